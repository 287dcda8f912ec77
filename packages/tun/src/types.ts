// The TUN device as the WireGuard device uses it. Packets are raw IP (no
// packet-information header: IFF_NO_PI). Reads are batched: the addon watches a
// non-blocking fd from the event loop and drains everything readable in one go.

export interface TunDevice {
  /** Kernel name actually assigned (may differ if the request had a %d). */
  readonly name: string;
  readonly fd: number;
  /** Called with every batch drained in one event-loop turn; buffers are owned by the callee. */
  onPackets(handler: (packets: Buffer[]) => void): void;
  /** Called once if the device goes away or a fatal read error happens (e.g. EBADFD after `ip link del`). */
  onError(handler: (err: Error) => void): void;
  /** Writes each packet as one frame; returns how many were written (EAGAIN drops the rest, counted). */
  write(packets: readonly Uint8Array[]): number;
  /**
   * Delivers what the device already holds to onPackets now, instead of on the event loop's next
   * turn. Called right after a write: the kernel answers some written packets inside the write
   * itself (an echo reply, a TCP ACK), and sending those at once saves a loop turn per exchange.
   */
  readNow?(): void;
  /** Stops polling and closes the fd (the kernel removes a non-persistent device). */
  close(): void;
}

export class TunError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }

  override readonly name = "TunError";
}
