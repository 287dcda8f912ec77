// BLAKE2s through OpenSSL in the addon (native/blake2s.c): WireGuard's HASH,
// its HMAC-based KDF and the keyed MAC, one N-API call each.
import { native } from "./native.js";

/** BLAKE2s-256 of the concatenated parts (at most 8). */
export function blake2sHash(parts: readonly Uint8Array[]): Buffer {
  return native().blake2sHash(parts);
}

/** T1 || ... || Tn (n = 1..3, 32 bytes each) of WireGuard's KDFn(key, input) over HMAC-BLAKE2s. */
export function blake2sKdf(key: Uint8Array, input: Uint8Array, n: 1 | 2 | 3): Buffer {
  return native().blake2sKdf(key, input, n);
}

/** Keyed BLAKE2s (key 1..32 bytes) with a `length`-byte digest (1..32). */
export function blake2sMac(key: Uint8Array, data: Uint8Array, length: number): Buffer {
  return native().blake2sMac(key, data, length);
}
