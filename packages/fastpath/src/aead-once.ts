// One-shot ChaCha20-Poly1305 (RFC 8439) through OpenSSL in the addon
// (native/aead.c): for messages under keys used once or rarely (the WireGuard
// handshake's three small AEADs, the coordination protocol's messages), where
// node:crypto's per-call cipher object costs more than the data. One N-API call
// each; the context is reset after every use, so no key schedule stays behind.
import { native } from "./native.js";

const TAG_LENGTH = 16;
const EMPTY = new Uint8Array(0);

/**
 * ciphertext || 16-byte tag of `plaintext` under `key` (32 bytes) and `nonce`
 * (12 bytes), into `out` when given (exactly plaintext.length + 16 bytes; saves
 * a copy when the caller builds a message around it).
 */
export function aeadSealOnce(
  key: Uint8Array,
  nonce: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array = EMPTY,
  out: Uint8Array = new Uint8Array(plaintext.length + TAG_LENGTH),
): Uint8Array {
  native().aeadSealOnce(key, nonce, aad, plaintext, out);
  return out;
}

/** The plaintext of ciphertext || tag, or null when it is too short or the tag does not verify. */
export function aeadOpenOnce(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array = EMPTY): Uint8Array | null {
  if (sealed.length < TAG_LENGTH) return null;
  const out = new Uint8Array(sealed.length - TAG_LENGTH);
  return native().aeadOpenOnce(key, nonce, aad, sealed, out) ? out : null;
}
