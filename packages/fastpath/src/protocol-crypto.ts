// HMAC-SHA256 and HKDF-SHA256 for any key and message, through OpenSSL's EVP
// API in the addon (native/protocol-crypto.c) with contexts kept for the life
// of the process: with aead-once.ts, what @plug/protocol builds its messages
// from. One N-API call per operation instead of node:crypto's per-call HMAC
// objects, which dominate for the protocol's small messages.
import { native } from "./native.js";

const HMAC_LENGTH = 32;

/** HMAC-SHA256 over the parts in order; strings count as their UTF-8 bytes. */
export function hmacSha256(key: Uint8Array, parts: readonly (Uint8Array | string)[]): Uint8Array {
  const out = new Uint8Array(HMAC_LENGTH);
  native().protoHmacSha256(key, parts, out);
  return out;
}

/** HKDF-SHA256 (RFC 5869) of `length` bytes, 1 to 8160. */
export function hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  native().protoHkdfSha256(ikm, salt, info, out);
  return out;
}
