// Opening a Linux TUN device (IFF_TUN | IFF_NO_PI, non-blocking) and the
// TunDevice the WireGuard device drives. Reads arrive in batches from the
// addon's event-loop poll (one Buffer per batch, each packet a view into it);
// writes never block, and a run of TCP segments of one flow is written as one
// GSO packet where the device has vnet headers (see write() in tun.c).
import { isNativeError, native, type PollHandle } from "./native.js";
import { TunError, type TunDevice } from "./types.js";

/** Most packets one batch can hold: 128 reads, some of them TCP super-packets cut up (MAX_DELIVERED in tun.c). */
const MAX_PACKETS_PER_BATCH = 640;

/** Linux IFNAMSIZ is 16 including the terminating NUL. */
export const MAX_INTERFACE_NAME_LENGTH = 15;

export interface TunStats {
  /** Packets read from the device and handed to onPackets (super-packets counted as their segments). */
  readonly rxPackets: number;
  /** TCP super-packets the kernel handed over (TSO) and the addon cut into segments. */
  readonly rxSuperPackets: number;
  readonly rxSegmented: number;
  /** Frames dropped because their offload header did not describe them (never seen from a sane kernel). */
  readonly rxDroppedMalformed: number;
  /** onPackets calls (one per drained batch). */
  readonly rxBatches: number;
  readonly txPackets: number;
  /** Dropped because the kernel's queue was full (EAGAIN). */
  readonly txDroppedFull: number;
  /** Dropped because the kernel refused the frame (e.g. not an IP packet) or the device was closed. */
  readonly txDroppedError: number;
  /** GSO packets written, each a run of TCP segments of one flow (counted in txPackets one by one). */
  readonly txCoalesced: number;
  /** Segments that went out inside those GSO packets. */
  readonly txCoalescedSegments: number;
}

/** PLUG_TUN_GRO=0 writes every packet on its own (to measure what coalescing gains). */
const COALESCE_DEFAULT = process.env["PLUG_TUN_GRO"] !== "0";
/** PLUG_TUN_TSO=0 has the kernel segment before the device, as without offloads (likewise). */
const TSO_DEFAULT = process.env["PLUG_TUN_TSO"] !== "0";

export interface LinuxTunDevice extends TunDevice {
  readNow(): void;
  stats(): TunStats;
  readonly closed: boolean;
}

/** Throws TunError with an actionable message for a name the kernel would refuse. */
export function validateInterfaceName(name: string): void {
  const bytes = Buffer.byteLength(name);
  if (bytes === 0) throw new TunError("interface name is empty", "EINVAL");
  if (bytes > MAX_INTERFACE_NAME_LENGTH) {
    throw new TunError(
      `interface name "${name}" is too long: ${bytes} bytes, Linux allows at most ${MAX_INTERFACE_NAME_LENGTH}`,
      "ENAMETOOLONG",
    );
  }
  // The kernel's dev_valid_name() rules.
  if (name === "." || name === ".." || /[/:\s\0]/.test(name)) {
    throw new TunError(`interface name "${name}" is invalid: no "/", ":", whitespace, NUL, "." or ".."`, "EINVAL");
  }
}

function openError(name: string, err: unknown): TunError {
  if (!isNativeError(err)) return new TunError(`cannot open TUN device "${name}": ${String(err)}`, "EUNKNOWN");
  switch (err.code) {
    case "ENOENT":
    case "ENODEV":
    case "ENXIO":
      return new TunError(
        `cannot open TUN device "${name}": /dev/net/tun is missing: load the tun module or create the device node (modprobe tun; mkdir -p /dev/net && mknod /dev/net/tun c 10 200)`,
        err.code,
      );
    case "EPERM":
    case "EACCES":
      return new TunError(`creating TUN device "${name}" needs root or CAP_NET_ADMIN (${err.message})`, err.code);
    case "EBUSY":
      return new TunError(`TUN device name "${name}" is in use: another process has it open`, err.code);
    case "EINVAL":
      return new TunError(
        `cannot create TUN device "${name}": the name is invalid or an interface of another type already has it`,
        err.code,
      );
    case "ENAMETOOLONG":
      return new TunError(`interface name "${name}" is too long for Linux`, err.code);
    default:
      return new TunError(`cannot open TUN device "${name}": ${err.message}`, err.code);
  }
}

class NativeTunDevice implements LinuxTunDevice {
  readonly name: string;
  readonly fd: number;
  private poll: PollHandle | undefined;
  private packetHandler: ((packets: Buffer[]) => void) | undefined;
  private errorHandler: ((err: Error) => void) | undefined;
  private pendingError: Error | undefined;
  private failed = false;
  private isClosed = false;
  private rxPackets = 0;
  private rxBatches = 0;
  private closedWriteDrops = 0;
  // [written, droppedFull, droppedError, superPackets, segmentsCoalesced], updated in place by the addon.
  private readonly txStats = new Float64Array(5);
  private readonly writeMode: 0 | 1 | 2;
  // Packet lengths of the batch being delivered, written by the addon.
  private readonly rxLengths = new Uint32Array(MAX_PACKETS_PER_BATCH);
  // [superPackets, segmentsFromThem, droppedMalformed], updated in place by the addon.
  private readonly rxStats = new Float64Array(3);

  constructor(
    fd: number,
    name: string,
    private readonly vnet: boolean,
  ) {
    this.fd = fd;
    this.name = name;
    this.writeMode = !vnet ? 0 : COALESCE_DEFAULT ? 2 : 1;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  onPackets(handler: (packets: Buffer[]) => void): void {
    this.packetHandler = handler;
    // Polling starts with the first handler so no packet is read and lost
    // before anyone listens.
    if (this.poll === undefined && !this.isClosed && !this.failed) {
      this.poll = native().startPoll(this.fd, this.rxLengths, (slab, count) => this.deliver(slab, count), (err) => this.fail(err), this.vnet, this.rxStats);
    }
  }

  onError(handler: (err: Error) => void): void {
    this.errorHandler = handler;
    if (this.pendingError !== undefined) {
      const err = this.pendingError;
      this.pendingError = undefined;
      handler(err);
    }
  }

  write(packets: readonly Uint8Array[]): number {
    // The fd number may already belong to another file after close.
    if (this.isClosed) {
      this.closedWriteDrops += packets.length;
      return 0;
    }
    return native().write(this.fd, packets, this.txStats, this.writeMode);
  }

  readNow(): void {
    if (this.poll !== undefined) native().readNow(this.poll);
  }

  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    if (this.poll !== undefined) native().stopPoll(this.poll);
    this.poll = undefined;
    native().close(this.fd);
  }

  stats(): TunStats {
    return {
      rxPackets: this.rxPackets,
      rxSuperPackets: this.rxStats[0] ?? 0,
      rxSegmented: this.rxStats[1] ?? 0,
      rxDroppedMalformed: this.rxStats[2] ?? 0,
      rxBatches: this.rxBatches,
      txPackets: this.txStats[0] ?? 0,
      txDroppedFull: this.txStats[1] ?? 0,
      txDroppedError: (this.txStats[2] ?? 0) + this.closedWriteDrops,
      txCoalesced: this.txStats[3] ?? 0,
      txCoalescedSegments: this.txStats[4] ?? 0,
    };
  }

  private deliver(slab: Buffer, count: number): void {
    // Views share the batch's one allocation; whoever keeps a packet keeps the batch alive.
    const lengths = this.rxLengths;
    const packets = new Array<Buffer>(count);
    let offset = 0;
    for (let i = 0; i < count; i++) {
      const end = offset + (lengths[i] ?? 0);
      packets[i] = slab.subarray(offset, end);
      offset = end;
    }
    this.rxPackets += count;
    this.rxBatches++;
    this.packetHandler?.(packets);
  }

  private fail(err: Error): void {
    // The addon has already stopped polling; the fd stays open until close().
    this.failed = true;
    this.poll = undefined;
    const code = isNativeError(err) ? err.code : "EIO";
    const wrapped = new TunError(`TUN device "${this.name}" failed: ${err.message} (was it deleted?)`, code);
    if (this.errorHandler !== undefined) this.errorHandler(wrapped);
    else this.pendingError = wrapped;
  }
}

/**
 * Creates (or attaches to a persistent) TUN device. The name may contain "%d"
 * for the kernel to number it; `device.name` is the name actually assigned.
 * The device is removed by the kernel when closed unless it was made persistent.
 * `tso: false` keeps the kernel segmenting and checksumming before the device
 * (the default is PLUG_TUN_TSO, on unless "0").
 */
export function openTun(name: string, opts: { readonly tso?: boolean } = {}): LinuxTunDevice {
  validateInterfaceName(name);
  let opened: [number, string, boolean];
  try {
    opened = native().open(name, opts.tso ?? TSO_DEFAULT);
  } catch (err) {
    if (err instanceof TunError) throw err;
    throw openError(name, err);
  }
  return new NativeTunDevice(opened[0], opened[1], opened[2]);
}

/**
 * Takes over a TUN fd opened by someone else (e.g. passed down as WG_TUN_FD).
 * It must be an IFF_TUN | IFF_NO_PI device; it is switched to non-blocking and
 * close-on-exec, and `close()` closes it.
 */
export function openTunFd(fd: number): LinuxTunDevice {
  if (!Number.isInteger(fd) || fd < 0) throw new TunError(`invalid file descriptor ${fd}`, "EBADF");
  let adopted: [string, boolean];
  try {
    adopted = native().adopt(fd);
  } catch (err) {
    if (err instanceof TunError || !isNativeError(err)) throw err;
    const why =
      err.code === "EINVAL" || err.code === "ENOTTY" || err.code === "EBADFD"
        ? "it is not an attached TUN device without packet information (IFF_TUN | IFF_NO_PI)"
        : err.message;
    throw new TunError(`cannot use fd ${fd} as a TUN device: ${why}`, err.code);
  }
  return new NativeTunDevice(fd, adopted[0], adopted[1]);
}
