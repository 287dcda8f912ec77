// The BLAKE2s-based primitives of WireGuard §1: HASH, HMAC, the HKDF-style
// KDF1..3 and the keyed 16-byte MAC. HASH, the KDFs and the MAC run in
// OpenSSL through @plug/fastpath's addon (one call per KDF with a reused digest
// context: node:crypto built a new Hash/Hmac object for each of the ~30 per
// handshake, and cannot key BLAKE2s at all, so the MAC ran in JS). HMAC alone
// stays on node:crypto: nothing on a hot path uses it, and it cross-checks
// the native KDF in the tests.
import { createHmac } from "node:crypto";
import { blake2sHash, blake2sKdf, blake2sMac } from "@plug/fastpath";

export const HASH_LENGTH = 32;
export const MAC_LENGTH = 16;

const u8 = (b: Buffer, offset = 0, length = b.length): Uint8Array => new Uint8Array(b.buffer, b.byteOffset + offset, length);

/** HASH(a || b || ...). */
export function hash(...parts: readonly Uint8Array[]): Uint8Array {
  return u8(blake2sHash(parts));
}

export function hmac(key: Uint8Array, ...parts: readonly Uint8Array[]): Uint8Array {
  const h = createHmac("blake2s256", key);
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

export function kdf1(key: Uint8Array, input: Uint8Array): Uint8Array {
  return u8(blake2sKdf(key, input, 1));
}

export function kdf2(key: Uint8Array, input: Uint8Array): [Uint8Array, Uint8Array] {
  const t = blake2sKdf(key, input, 2);
  return [u8(t, 0, HASH_LENGTH), u8(t, HASH_LENGTH, HASH_LENGTH)];
}

export function kdf3(key: Uint8Array, input: Uint8Array): [Uint8Array, Uint8Array, Uint8Array] {
  const t = blake2sKdf(key, input, 3);
  return [u8(t, 0, HASH_LENGTH), u8(t, HASH_LENGTH, HASH_LENGTH), u8(t, 2 * HASH_LENGTH, HASH_LENGTH)];
}

/** Keyed BLAKE2s with a 16-byte digest (mac1, mac2, cookie). */
export function mac(key: Uint8Array, data: Uint8Array): Uint8Array {
  return u8(blake2sMac(key, data, MAC_LENGTH));
}
