// ChaCha20-Poly1305 (OpenSSL: one-shot calls into @plug/fastpath's addon for
// raw keys, node:crypto for KeyObjects) with WireGuard's nonce layout for
// handshake messages, and XChaCha20-Poly1305 (OpenSSL has none) from
// @noble/ciphers for the cookie reply. createCipheriv cost ~10-13 us per
// handshake AEAD here, three per side; the addon call ~2 us. Transport
// messages do not come here: they use @plug/fastpath's per-keypair OpenSSL
// contexts (noise/transport.ts). Open functions return null instead of
// throwing: a failed tag is ordinary network input, not an exceptional
// condition.
import { createCipheriv, createDecipheriv, type KeyObject } from "node:crypto";
import { aeadOpenOnce, aeadSealOnce } from "@plug/fastpath";
import { xchacha20poly1305 } from "@noble/ciphers/chacha.js";

export const TAG_LENGTH = 16;
export const XNONCE_LENGTH = 24;

export type AeadKey = Uint8Array | KeyObject;

/** 4 zero bytes then the 64-bit counter little-endian. */
export function aeadNonce(counter: bigint): Buffer {
  const n = Buffer.alloc(12);
  n.writeBigUInt64LE(counter, 4);
  return n;
}

const ZERO_NONCE = Buffer.alloc(12);
// Scratch nonce for the synchronous hot path: OpenSSL copies it during cipher
// initialisation, so reusing one buffer saves an allocation per packet.
const SCRATCH_NONCE = Buffer.alloc(12);

function nonceFor(counter: bigint): Buffer {
  if (counter === 0n) return ZERO_NONCE;
  SCRATCH_NONCE.writeBigUInt64LE(counter, 4);
  return SCRATCH_NONCE;
}

/** Returns ciphertext || tag. */
export function aeadSeal(key: AeadKey, counter: bigint, plaintext: Uint8Array, aad?: Uint8Array): Uint8Array {
  return chachaPolySeal(key, nonceFor(counter), plaintext, aad);
}

/** Opens ciphertext || tag; null when authentication fails or the input is too short. */
export function aeadOpen(key: AeadKey, counter: bigint, sealed: Uint8Array, aad?: Uint8Array): Uint8Array | null {
  return chachaPolyOpen(key, nonceFor(counter), sealed, aad);
}

/** RFC 8439 ChaCha20-Poly1305 with an arbitrary 12-byte nonce. */
export function chachaPolySeal(key: AeadKey, nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Uint8Array {
  if (key instanceof Uint8Array) return aeadSealOnce(key, nonce, plaintext, aad);
  const c = createCipheriv("chacha20-poly1305", key, nonce, { authTagLength: TAG_LENGTH });
  if (aad !== undefined && aad.length > 0) c.setAAD(aad, { plaintextLength: plaintext.length });
  const body = c.update(plaintext);
  c.final();
  const out = new Uint8Array(body.length + TAG_LENGTH);
  out.set(body, 0);
  out.set(c.getAuthTag(), body.length);
  return out;
}

export function chachaPolyOpen(key: AeadKey, nonce: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): Uint8Array | null {
  if (sealed.length < TAG_LENGTH) return null;
  if (key instanceof Uint8Array) return aeadOpenOnce(key, nonce, sealed, aad);
  const bodyLength = sealed.length - TAG_LENGTH;
  try {
    const d = createDecipheriv("chacha20-poly1305", key, nonce, { authTagLength: TAG_LENGTH });
    d.setAuthTag(sealed.subarray(bodyLength));
    if (aad !== undefined && aad.length > 0) d.setAAD(aad, { plaintextLength: bodyLength });
    const body = d.update(sealed.subarray(0, bodyLength));
    d.final();
    return new Uint8Array(body.buffer, body.byteOffset, body.length);
  } catch {
    return null;
  }
}

export function xaeadSeal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
  return xchacha20poly1305(key, nonce, aad).encrypt(plaintext);
}

export function xaeadOpen(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array | null {
  if (sealed.length < TAG_LENGTH) return null;
  try {
    return xchacha20poly1305(key, nonce, aad).decrypt(sealed);
  } catch {
    return null;
  }
}
