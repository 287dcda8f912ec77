// The compiled addon (native/tun.c) and the shape of what it exports. Loaded
// lazily so that importing @plug/tun for its types never needs the addon.
import { createRequire } from "node:module";
import { TunError } from "./types.js";

/** Opaque handle of an active poll; stopPoll on it is idempotent. */
export type PollHandle = object & { readonly __brand: "PollHandle" };

/** The native Error shape: code is the errno name ("EBUSY"), errno the number. */
export interface NativeError extends Error {
  readonly code: string;
  readonly errno: number;
}

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
  setMtu(name: string, mtu: number): void;
  getMtu(name: string): number;
  setUp(name: string): void;
}

let binding: NativeBinding | undefined;

export function native(): NativeBinding {
  if (binding !== undefined) return binding;
  const require = createRequire(import.meta.url);
  try {
    // Same relative path from src/ (tsx) and dist/ (compiled).
    binding = require("../build/Release/plug_tun.node") as NativeBinding;
  } catch (err) {
    throw new TunError(
      `the @plug/tun native addon is not built (${(err as Error).message}); run "npm ci" at the repo root or "npx node-gyp rebuild -C packages/tun"`,
      "ENOADDON",
    );
  }
  return binding;
}

export function isNativeError(err: unknown): err is NativeError {
  return err instanceof Error && typeof (err as Partial<NativeError>).code === "string";
}
