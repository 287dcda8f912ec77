// The WireGuard primitives of WIREGUARD.md §1, written directly against
// node:crypto and @noble/* so this checker shares no code with the product.
import { createCipheriv, createDecipheriv, createHash, createHmac } from "node:crypto";
import { blake2s } from "@noble/hashes/blake2.js";
import { xchacha20poly1305 } from "@noble/ciphers/chacha.js";
import { x25519 } from "@noble/curves/ed25519.js";

export function concat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

export function hash(...parts: Uint8Array[]): Uint8Array {
  const h = createHash("blake2s256");
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

/** Keyed BLAKE2s with a 16-byte digest: Node's blake2s256 ignores keys, so noble does this one. */
export function mac(key: Uint8Array, data: Uint8Array): Uint8Array {
  return blake2s(data, { key, dkLen: 16 });
}

export function hmac(key: Uint8Array, data: Uint8Array): Uint8Array {
  return new Uint8Array(createHmac("blake2s256", key).update(data).digest());
}

/** KDF_n of §1; returns n 32-byte outputs. */
export function kdf(n: 1 | 2 | 3, key: Uint8Array, input: Uint8Array): Uint8Array[] {
  const t0 = hmac(key, input);
  const out: Uint8Array[] = [];
  let prev: Uint8Array = new Uint8Array(0);
  for (let i = 1; i <= n; i++) {
    prev = hmac(t0, concat(prev, Uint8Array.of(i)));
    out.push(prev);
  }
  return out;
}

function nonce96(counter: bigint): Buffer {
  const n = Buffer.alloc(12);
  n.writeBigUInt64LE(counter, 4);
  return n;
}

export function aeadSeal(key: Uint8Array, counter: bigint, plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
  const c = createCipheriv("chacha20-poly1305", key, nonce96(counter), { authTagLength: 16 });
  c.setAAD(aad, { plaintextLength: plaintext.length });
  return concat(c.update(plaintext), c.final(), c.getAuthTag());
}

/** Returns null on authentication failure (hostile input is expected here). */
export function aeadOpen(key: Uint8Array, counter: bigint, sealed: Uint8Array, aad: Uint8Array): Uint8Array | null {
  if (sealed.length < 16) return null;
  try {
    const d = createDecipheriv("chacha20-poly1305", key, nonce96(counter), { authTagLength: 16 });
    d.setAAD(aad, { plaintextLength: sealed.length - 16 });
    d.setAuthTag(sealed.subarray(sealed.length - 16));
    return concat(d.update(sealed.subarray(0, sealed.length - 16)), d.final());
  } catch {
    return null;
  }
}

export function xaeadSeal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
  return xchacha20poly1305(key, nonce, aad).encrypt(plaintext);
}

export function xaeadOpen(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array | null {
  try {
    return xchacha20poly1305(key, nonce, aad).decrypt(sealed);
  } catch {
    return null;
  }
}

/** X25519; null for an all-zero result (low-order point), which WireGuard must reject. */
export function dh(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array | null {
  try {
    const out = x25519.getSharedSecret(privateKey, publicKey);
    return out.every((b) => b === 0) ? null : out;
  } catch {
    return null;
  }
}

export function dhPublic(privateKey: Uint8Array): Uint8Array {
  return x25519.getPublicKey(privateKey);
}

/** TAI64N with the low 24 bits of the nanoseconds zeroed, as both reference implementations whiten it. */
export function tai64n(unixMillis: number, extraNanos = 0): Uint8Array {
  const out = Buffer.alloc(12);
  const secs = Math.floor(unixMillis / 1000);
  const nanos = ((unixMillis % 1000) * 1e6 + extraNanos) & ~0xffffff;
  out.writeBigUInt64BE(0x400000000000000an + BigInt(secs), 0);
  out.writeUInt32BE(nanos >>> 0, 8);
  return new Uint8Array(out);
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}
