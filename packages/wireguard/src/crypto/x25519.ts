// X25519 on OpenSSL through @plug/fastpath's addon. A private key is imported once
// from its raw bytes, and OpenSSL's import computes its public key on the way,
// so DH_PUBKEY costs nothing extra. (node:crypto could only import raw keys as
// JWK or DER, a parse plus a key object each, and then needed a second scalar
// multiplication, a DH with the base point, for the public key.)
import { x25519Derive, x25519PrivateKey, type X25519PrivateKey } from "@plug/fastpath";
import { clampPrivateKey, isZeroKey } from "./keys.js";

export type { X25519PrivateKey } from "@plug/fastpath";

/** Imports a raw private key once, for several DHs (static keys, a handshake's ephemeral). */
export function privateKeyObject(priv: Uint8Array): X25519PrivateKey {
  return x25519PrivateKey(priv);
}

/**
 * X25519(priv, pub). null when the result is all zero (a low-order point):
 * WireGuard treats that as a failed handshake, never as a key.
 */
export function dh(priv: Uint8Array | X25519PrivateKey, pub: Uint8Array): Uint8Array | null {
  if (pub.length !== 32) return null;
  const key = priv instanceof Uint8Array ? x25519PrivateKey(priv) : priv;
  // OpenSSL refuses low-order inputs itself; the zero check keeps the rule explicit.
  const out = x25519Derive(key, pub);
  return out === null || isZeroKey(out) ? null : out;
}

/** DH_PUBKEY(priv). */
export function x25519PublicKey(priv: Uint8Array | X25519PrivateKey): Uint8Array {
  return (priv instanceof Uint8Array ? x25519PrivateKey(priv) : priv).publicKey;
}

/** DH_GENERATE() with injected randomness. */
export function generateKeypair(randomBytes: (n: number) => Uint8Array): { privateKey: Uint8Array; publicKey: Uint8Array } {
  const privateKey = clampPrivateKey(randomBytes(32));
  return { privateKey, publicKey: x25519PublicKey(privateKey) };
}
