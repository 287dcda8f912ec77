// The compiled addon (native/addon.c and the files it registers) and the shape
// of what it exports. Loaded lazily so that importing @plug/fastpath for its
// types never needs the addon.
import { loadAddon, type NativeError } from "./addon-loader.js";
import { FastpathError } from "./errors.js";

export { isNativeError } from "./addon-loader.js";

/** Opaque handle of an active poll; stopPoll on it is idempotent. */
export type PollHandle = object & { readonly __brand: "PollHandle" };

/** Opaque OpenSSL X25519 private key (native/x25519.c). */
export type X25519Handle = object & { readonly __brand: "X25519Handle" };

/** Opaque OpenSSL ChaCha20-Poly1305 context of one key and direction (native/aead.c). */
export type AeadHandle = object & { readonly __brand: "AeadHandle" };

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
  binding ??= loadAddon<NativeBinding>(import.meta.url, "plug_fastpath", "@plug/fastpath", "packages/fastpath", (message) => new FastpathError(message, "ENOADDON"));
  return binding;
}
