// ChaCha20-Poly1305 for WireGuard transport messages through OpenSSL's EVP API
// in the addon (native/aead.c): one context per keypair direction, keyed once,
// and one in-place call per message. The nonce comes from the message's own
// counter field (bytes 8..16), so no counter crosses into native code.
import { native, type AeadHandle } from "./native.js";

export type { AeadHandle } from "./native.js";

const KEY_LENGTH = 32;

/** A reusable sealing (encrypt) or opening (decrypt) context for one 32-byte key. */
export function createTransportAead(key: Uint8Array, encrypt: boolean): AeadHandle {
  if (key.length !== KEY_LENGTH) throw new RangeError(`transport key must be ${KEY_LENGTH} bytes`);
  return native().aeadCreate(key, encrypt);
}

/**
 * message = 16-byte header (counter little-endian at 8..16) | plaintext of
 * `plaintextLength` bytes | 16 spare bytes: encrypts in place and writes the tag.
 */
export function sealTransportInPlace(sealer: AeadHandle, message: Uint8Array, plaintextLength: number): void {
  native().aeadSealTransport(sealer, message, plaintextLength);
}

/** Decrypts a whole transport message in place; the plaintext length, or -1 when the tag does not verify. */
export function openTransportInPlace(opener: AeadHandle, message: Uint8Array): number {
  return native().aeadOpenTransport(opener, message);
}

/**
 * Wipes and frees the key state now rather than at garbage collection.
 * Afterwards sealing throws and opening returns -1. Idempotent.
 */
export function destroyTransportAead(handle: AeadHandle): void {
  native().aeadDestroy(handle);
}
