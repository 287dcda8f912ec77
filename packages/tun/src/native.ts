// The compiled addon (native/tun.c) and the shape of what it exports. Loaded
// lazily so that importing @plug/tun for its types never needs the addon.
import { createRequire } from "node:module";
import { TunError } from "./types.js";

/** Opaque handle of an active poll; stopPoll on it is idempotent. */
export type PollHandle = object & { readonly __brand: "PollHandle" };

/** Opaque OpenSSL X25519 private key (native/x25519.c). */
export type X25519Handle = object & { readonly __brand: "X25519Handle" };

/** Opaque OpenSSL ChaCha20-Poly1305 context of one key and direction (native/aead.c). */
export type AeadHandle = object & { readonly __brand: "AeadHandle" };

/** The native Error shape: code is the errno name ("EBUSY"), errno the number. */
export interface NativeError extends Error {
  readonly code: string;
  readonly errno: number;
}

export interface NativeBinding {
  open(name: string): [fd: number, name: string];
  /** Checks an inherited fd is a TUN (IFF_NO_PI) device, makes it non-blocking; returns its name. */
  adopt(fd: number): string;
  close(fd: number): void;
  /** stats = [written, droppedFull, droppedError], updated in place. */
  write(fd: number, packets: readonly Uint8Array[], stats: Float64Array): number;
  startPoll(fd: number, onPackets: (packets: Buffer[]) => void, onError: (err: NativeError) => void): PollHandle;
  stopPoll(handle: PollHandle): void;
  setSocketMark(fd: number, mark: number): void;
  getSocketMark(fd: number): number;
  setMtu(name: string, mtu: number): void;
  getMtu(name: string): number;
  setUp(name: string): void;
  udpOpen(port: number, ipv6: boolean, bufferBytes: number): [fd: number, port: number];
  udpEncodeAddress(address: string, port: number, record: Uint8Array): boolean;
  udpDecodeAddress(records: Uint8Array, offset: number): string;
  /** stats = [sent, droppedFull, errors, lastErrno, gsoFailed], updated in place. */
  udpSend(fd: number, dualStack: boolean, datagrams: readonly Uint8Array[], records: Uint8Array, count: number, stats: Float64Array, gso: boolean): number;
  udpStartPoll(fd: number, records: Uint8Array, onBatch: (payloads: Buffer, count: number) => void, onError: (err: NativeError) => void): PollHandle;
  udpStopPoll(handle: PollHandle): void;
  x25519Key(privateKey: Uint8Array, publicOut: Uint8Array): X25519Handle;
  x25519Derive(key: X25519Handle, peerPublic: Uint8Array, out: Uint8Array): boolean;
  blake2sHash(parts: readonly Uint8Array[]): Buffer;
  blake2sKdf(key: Uint8Array, input: Uint8Array, n: number): Buffer;
  blake2sMac(key: Uint8Array, data: Uint8Array, length: number): Buffer;
  aeadCreate(key: Uint8Array, encrypt: boolean): AeadHandle;
  aeadSealTransport(sealer: AeadHandle, message: Uint8Array, plaintextLength: number): void;
  aeadOpenTransport(opener: AeadHandle, message: Uint8Array): number;
  aeadDestroy(handle: AeadHandle): void;
  aeadSealOnce(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, out: Uint8Array): boolean;
  aeadOpenOnce(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array, out: Uint8Array): boolean;
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
