// A UDP socket owned by the addon (native/udp.c) so that receive and send are
// batched: one recvmmsg and one JS call per burst of up to 64 messages (each
// a datagram or, with UDP GRO, a run of them cut apart again in C), one
// sendmmsg per batch of sends, runs to one peer segmented (UDP GSO). Addresses cross as 32-byte records (see
// UDP_RECORD_SIZE) that callers cache, not as strings parsed per datagram.
import { isNativeError, native, type PollHandle } from "./native.js";
import { FastpathError } from "./errors.js";

/**
 * [0..4) length (u32 LE, received datagrams only), [4..6) port (u16 LE),
 * [6] family (4 or 6; IPv4-mapped IPv6 sources arrive as 4), [8..24) address
 * (IPv4 in the first 4 bytes), [24..28) IPv6 scope id (u32 LE).
 */
export const UDP_RECORD_SIZE = 32;
/** Most datagrams one receive batch (one onBatch call) can hold. */
export const UDP_RECV_BATCH = 1024;

export interface UdpSocketStats {
  readonly txDatagrams: number;
  /** Dropped because the socket's send buffer was full (EAGAIN). */
  readonly txDroppedFull: number;
  /** Refused by the kernel one by one (unreachable, firewall EPERM, wrong family, too big). */
  readonly txErrors: number;
  /** errno of the last send error, 0 if none. */
  readonly txLastErrno: number;
  /** Whether runs of equal-size datagrams still go out as UDP_SEGMENT messages. */
  readonly gso: boolean;
  readonly rxDatagrams: number;
  /** Received messages that carried more than one datagram (UDP GRO). */
  readonly rxCoalesced: number;
  /** Whether the kernel accepted UDP_GRO when receiving started. */
  readonly gro: boolean;
}

/** PLUG_UDP_GSO=0 turns segmentation offload off (to measure what it gains). */
const GSO_DEFAULT = process.env["PLUG_UDP_GSO"] !== "0";
/** PLUG_UDP_GRO=0 turns receive offload off (likewise). */
const GRO_DEFAULT = process.env["PLUG_UDP_GRO"] !== "0";

/**
 * `payloads` holds the datagrams back to back; datagram i is the next
 * `length` (record bytes 0..4) bytes. The buffer is fresh per batch and
 * belongs to the handler; `records` is reused on the next batch.
 */
export type UdpBatchHandler = (payloads: Buffer, records: Uint8Array, count: number) => void;

export class BatchUdpSocket {
  private poll: PollHandle | undefined;
  private isClosed = false;
  private readonly recvRecords = new Uint8Array(UDP_RECV_BATCH * UDP_RECORD_SIZE);
  // [sent, droppedFull, errors, lastErrno, gsoFailed], updated in place by the addon.
  private readonly txStats = new Float64Array(5);
  private gso = GSO_DEFAULT;
  // [datagrams, coalescedMessages, groFailed], updated in place by the addon.
  private readonly rxStats = new Float64Array(3);
  private gro = false;

  private constructor(
    readonly fd: number,
    /** The port actually bound (never 0). */
    readonly port: number,
    /** AF_INET6 with IPV6_V6ONLY off: reaches IPv4 peers through mapped addresses. */
    readonly dualStack: boolean,
  ) {}

  /**
   * Binds `port` (0: any) on every address. `ipv6` asks for a dual-stack
   * socket. Socket buffers of `bufferBytes` are requested (as root past
   * rmem_max/wmem_max). Throws a FastpathError whose code is the errno name
   * (EADDRINUSE, EAFNOSUPPORT, ...).
   */
  static open(port: number, ipv6: boolean, bufferBytes: number): BatchUdpSocket {
    return BatchUdpSocket.opened(() => native().udpOpen(port, ipv6, bufferBytes), ipv6);
  }

  /**
   * Like open(), bound to one local address (IPv4 or IPv6 text; "::" is
   * dual-stack). For servers that must answer from the address a request reached.
   */
  static openAt(address: string, port: number, bufferBytes: number): BatchUdpSocket {
    return BatchUdpSocket.opened(() => native().udpOpenAt(address, port, bufferBytes), address.includes(":"));
  }

  private static opened(open: () => [fd: number, port: number], dualStack: boolean): BatchUdpSocket {
    try {
      const [fd, bound] = open();
      return new BatchUdpSocket(fd, bound, dualStack);
    } catch (err) {
      if (isNativeError(err)) throw new FastpathError(`UDP socket: ${err.message}`, err.code);
      throw err;
    }
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Starts receiving; `onError` gets transient socket errors (the socket keeps working). */
  onBatch(handler: UdpBatchHandler, onError: (err: Error) => void): void {
    if (this.isClosed || this.poll !== undefined) return;
    const records = this.recvRecords;
    const rx = this.rxStats;
    this.poll = native().udpStartPoll(this.fd, records, (payloads, count) => handler(payloads, records, count), onError, GRO_DEFAULT, rx);
    this.gro = GRO_DEFAULT && rx[2] !== 1;
  }

  /**
   * Sends datagrams[i] to the address in records[i * UDP_RECORD_SIZE ...] for
   * i < count in as few syscalls as possible; returns how many the kernel took.
   * Never blocks: with the send buffer full, the rest is dropped and counted.
   * Runs of equal-size datagrams to one address go out as one UDP_SEGMENT
   * (GSO) message each, until the kernel refuses one; then never again.
   */
  send(datagrams: readonly Uint8Array[], records: Uint8Array, count: number): number {
    if (this.isClosed) return 0;
    const sent = native().udpSend(this.fd, this.dualStack, datagrams, records, count, this.txStats, this.gso);
    if (this.txStats[4] === 1) this.gso = false;
    return sent;
  }

  stats(): UdpSocketStats {
    const s = this.txStats;
    const r = this.rxStats;
    return {
      txDatagrams: s[0] ?? 0,
      txDroppedFull: s[1] ?? 0,
      txErrors: s[2] ?? 0,
      txLastErrno: s[3] ?? 0,
      gso: this.gso,
      rxDatagrams: r[0] ?? 0,
      rxCoalesced: r[1] ?? 0,
      gro: this.gro,
    };
  }

  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    if (this.poll !== undefined) native().udpStopPoll(this.poll);
    this.poll = undefined;
    native().udpClose(this.fd);
  }
}

/**
 * Writes the record for `address` (IPv4 or IPv6 text, IPv6 optionally with
 * "%zone") and `port` into record[0..32); false when the text is not an address.
 */
export function encodeUdpAddress(address: string, port: number, record: Uint8Array): boolean {
  return native().udpEncodeAddress(address, port, record);
}

/** The address text of the record at `offset` (IPv6 with "%ifname" when scoped). */
export function decodeUdpAddress(records: Uint8Array, offset: number): string {
  return native().udpDecodeAddress(records, offset);
}
