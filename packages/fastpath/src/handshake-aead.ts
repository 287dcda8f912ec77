// One-shot ChaCha20-Poly1305 through OpenSSL in the addon (native/aead.c) for
// the handshake's small AEADs, each under a key used once: no per-call cipher
// object as node:crypto's createCipheriv builds, one N-API call each.
import { native } from "./native.js";

const TAG_LENGTH = 16;
const EMPTY = new Uint8Array(0);

/** ciphertext || 16-byte tag of `plaintext` under `key` (32 bytes) and `nonce` (12 bytes). */
export function aeadSealOnce(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array = EMPTY): Uint8Array {
  const out = new Uint8Array(plaintext.length + TAG_LENGTH);
  native().aeadSealOnce(key, nonce, aad, plaintext, out);
  return out;
}

/** The plaintext of ciphertext || tag, or null when it is too short or the tag does not verify. */
export function aeadOpenOnce(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array = EMPTY): Uint8Array | null {
  if (sealed.length < TAG_LENGTH) return null;
  const out = new Uint8Array(sealed.length - TAG_LENGTH);
  return native().aeadOpenOnce(key, nonce, aad, sealed, out) ? out : null;
}
