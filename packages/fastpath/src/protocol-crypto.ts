// ChaCha20-Poly1305, HMAC-SHA256 and HKDF-SHA256 for any key and message,
// through OpenSSL's EVP API in the addon (native/protocol-crypto.c) with
// contexts kept for the life of the process: what @plug/protocol builds its
// messages from. One N-API call per operation instead of node:crypto's
// per-call cipher/HMAC objects, which dominate for the protocol's small
// messages.
import { native } from "./native.js";

const AEAD_TAG_LENGTH = 16;
const HMAC_LENGTH = 32;

/**
 * ChaCha20-Poly1305 (RFC 8439): ciphertext || 16-byte tag, into `out` when
 * given (exactly plaintext.length + 16 bytes; saves a copy when the caller
 * builds a message around it).
 */
export function chachaPolySeal(
  key: Uint8Array,
  nonce: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array,
  out: Uint8Array = new Uint8Array(plaintext.length + AEAD_TAG_LENGTH),
): Uint8Array {
  native().protoAeadSeal(key, nonce, plaintext, aad, out);
  return out;
}

/** The plaintext, or undefined when `sealed` does not authenticate (or is shorter than a tag). */
export function chachaPolyOpen(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array | undefined {
  if (sealed.length < AEAD_TAG_LENGTH) return undefined;
  const out = new Uint8Array(sealed.length - AEAD_TAG_LENGTH);
  return native().protoAeadOpen(key, nonce, sealed, aad, out) ? out : undefined;
}

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
