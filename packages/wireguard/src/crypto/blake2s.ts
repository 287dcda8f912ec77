// The BLAKE2s-based primitives of WireGuard §1: HASH, HMAC, the HKDF-style
// KDF1..3 and the keyed 16-byte MAC. HASH/HMAC go through OpenSSL; MAC cannot,
// because Node's blake2s256 silently ignores a key and its digest length is
// fixed (the MAC's 16-byte length lives in the BLAKE2 parameter block, so it
// is not a truncation).
import { createHash, createHmac } from "node:crypto";
import { blake2s } from "@noble/hashes/blake2.js";

export const HASH_LENGTH = 32;
export const MAC_LENGTH = 16;

/** HASH(a || b || ...). */
export function hash(...parts: readonly Uint8Array[]): Uint8Array {
  const h = createHash("blake2s256");
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

export function hmac(key: Uint8Array, ...parts: readonly Uint8Array[]): Uint8Array {
  const h = createHmac("blake2s256", key);
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

const ONE = Uint8Array.of(1);
const TWO = Uint8Array.of(2);
const THREE = Uint8Array.of(3);

export function kdf1(key: Uint8Array, input: Uint8Array): Uint8Array {
  const t0 = hmac(key, input);
  return hmac(t0, ONE);
}

export function kdf2(key: Uint8Array, input: Uint8Array): [Uint8Array, Uint8Array] {
  const t0 = hmac(key, input);
  const t1 = hmac(t0, ONE);
  const t2 = hmac(t0, t1, TWO);
  return [t1, t2];
}

export function kdf3(key: Uint8Array, input: Uint8Array): [Uint8Array, Uint8Array, Uint8Array] {
  const t0 = hmac(key, input);
  const t1 = hmac(t0, ONE);
  const t2 = hmac(t0, t1, TWO);
  const t3 = hmac(t0, t2, THREE);
  return [t1, t2, t3];
}

/** Keyed BLAKE2s with a 16-byte digest (mac1, mac2, cookie). */
export function mac(key: Uint8Array, data: Uint8Array): Uint8Array {
  return blake2s(data, { key, dkLen: MAC_LENGTH });
}
