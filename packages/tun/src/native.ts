// The compiled addon (native/tun.c) and the shape of what it exports. Loaded
// lazily so that importing @plug/tun for its types never needs the addon.
import { isNativeError, loadAddon, type NativeError } from "@plug/fastpath";
import { TunError } from "./types.js";

export { isNativeError };

/** Opaque handle of an active poll; stopPoll on it is idempotent. */
export type PollHandle = object & { readonly __brand: "PollHandle" };

export interface NativeBinding {
  /** vnet: frames carry a virtio_net_hdr (IFF_VNET_HDR), so writes can coalesce. */
  /** tso: the kernel may hand over TCP super-packets and unfinished checksums (the addon finishes both). */
  open(name: string, tso: boolean): [fd: number, name: string, vnet: boolean];
  /** Checks an inherited fd is a TUN (IFF_NO_PI) device, makes it non-blocking; returns its name. */
  adopt(fd: number): [name: string, vnet: boolean];
  close(fd: number): void;
  /**
   * stats = [written, droppedFull, droppedError, superPackets, segmentsCoalesced], updated in
   * place (the last two only when it has 5 entries). mode 0: plain frames; 1: vnet header;
   * 2: vnet header, runs of TCP segments of one flow coalesced into GSO packets.
   */
  write(fd: number, packets: readonly Uint8Array[], stats: Float64Array, mode?: 0 | 1 | 2): number;
  /** Each turn's packets arrive back to back in one Buffer; packet i is lengths[i] bytes long. */
  /** rxStats = [superPackets, segmentsFromThem, droppedMalformed], updated in place. */
  startPoll(
    fd: number,
    lengths: Uint32Array,
    onPackets: (packets: Buffer, count: number) => void,
    onError: (err: NativeError) => void,
    vnet: boolean,
    rxStats: Float64Array,
  ): PollHandle;
  stopPoll(handle: PollHandle): void;
  /** Reads what the device holds now, synchronously, into the poll's onPackets (nothing after stopPoll). */
  readNow(handle: PollHandle): void;
  setMtu(name: string, mtu: number): void;
  getMtu(name: string): number;
  setUp(name: string): void;
}

let binding: NativeBinding | undefined;

export function native(): NativeBinding {
  binding ??= loadAddon<NativeBinding>(import.meta.url, "plug_tun", "@plug/tun", "packages/tun", (message) => new TunError(message, "ENOADDON"));
  return binding;
}
