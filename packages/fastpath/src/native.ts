// The compiled addon (native/addon.c and the files it registers) and the shape
// of what it exports. Loaded lazily so that importing @plug/fastpath for its
// types never needs the addon.
import { createRequire } from "node:module";
import { FastpathError } from "./errors.js";

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
  setSocketMark(fd: number, mark: number): void;
  getSocketMark(fd: number): number;
  udpOpen(port: number, ipv6: boolean, bufferBytes: number): [fd: number, port: number];
  udpOpenAt(address: string, port: number, bufferBytes: number): [fd: number, port: number];
  udpEncodeAddress(address: string, port: number, record: Uint8Array): boolean;
  udpDecodeAddress(records: Uint8Array, offset: number): string;
  /** stats = [sent, droppedFull, errors, lastErrno, gsoFailed], updated in place. */
  udpSend(fd: number, dualStack: boolean, datagrams: readonly Uint8Array[], records: Uint8Array, count: number, stats: Float64Array, gso: boolean): number;
  /** rxStats = [datagrams, coalescedMessages, groFailed], updated in place. */
  udpStartPoll(
    fd: number,
    records: Uint8Array,
    onBatch: (payloads: Buffer, count: number) => void,
    onError: (err: NativeError) => void,
    gro: boolean,
    rxStats: Float64Array,
  ): PollHandle;
  udpStopPoll(handle: PollHandle): void;
  udpClose(fd: number): void;
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
  protoHmacSha256(key: Uint8Array, parts: readonly (Uint8Array | string)[], out: Uint8Array): void;
  protoHkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, out: Uint8Array): void;
}

let binding: NativeBinding | undefined;

export function native(): NativeBinding {
  if (binding !== undefined) return binding;
  const require = createRequire(import.meta.url);
  try {
    // Same relative path from src/ (tsx) and dist/ (compiled).
    binding = require("../build/Release/plug_fastpath.node") as NativeBinding;
  } catch (err) {
    throw new FastpathError(
      `the @plug/fastpath native addon is not built (${(err as Error).message}); run "npm ci" at the repo root or "npx node-gyp rebuild -C packages/fastpath"`,
      "ENOADDON",
    );
  }
  return binding;
}

export function isNativeError(err: unknown): err is NativeError {
  return err instanceof Error && typeof (err as Partial<NativeError>).code === "string";
}
