// X25519 on OpenSSL. Raw 32-byte keys are imported as JWK: on Node 20 that is
// about ten times cheaper than the PKCS#8/SPKI DER route (WIREGUARD.md §1),
// which costs ~0.5 ms per private key and would dominate every handshake.
// Public keys are derived by DH with the base point, which avoids exporting
// KeyObjects (JWK export in a loop can deadlock Node 20).
import { createPrivateKey, createPublicKey, diffieHellman, type KeyObject } from "node:crypto";
import { clampPrivateKey, isZeroKey } from "./keys.js";

const BASE_POINT = new Uint8Array(32);
BASE_POINT[0] = 9;
const b64url = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("base64url");
const BASE_POINT_B64 = b64url(BASE_POINT);

export function privateKeyObject(priv: Uint8Array): KeyObject {
  // Node's JWK parser insists on "x", but OpenSSL derives everything from "d":
  // any well-formed point will do, and the KATs prove the results.
  return createPrivateKey({ key: { kty: "OKP", crv: "X25519", d: b64url(priv), x: BASE_POINT_B64 }, format: "jwk" });
}

export function publicKeyObject(pub: Uint8Array): KeyObject {
  return createPublicKey({ key: { kty: "OKP", crv: "X25519", x: b64url(pub) }, format: "jwk" });
}

const BASE_POINT_OBJECT = publicKeyObject(BASE_POINT);

/**
 * X25519(priv, pub). null when the result is all zero (a low-order point):
 * WireGuard treats that as a failed handshake, never as a key.
 */
export function dh(priv: Uint8Array | KeyObject, pub: Uint8Array | KeyObject): Uint8Array | null {
  try {
    const privateKey = priv instanceof Uint8Array ? privateKeyObject(priv) : priv;
    const publicKey = pub instanceof Uint8Array ? publicKeyObject(pub) : pub;
    const out = new Uint8Array(diffieHellman({ privateKey, publicKey }));
    return isZeroKey(out) ? null : out;
  } catch {
    // OpenSSL refuses low-order inputs (ERR_OSSL_FAILED_DURING_DERIVATION).
    return null;
  }
}

/** DH_PUBKEY(priv). */
export function x25519PublicKey(priv: Uint8Array | KeyObject): Uint8Array {
  const out = dh(priv, BASE_POINT_OBJECT);
  if (out === null) throw new Error("invalid X25519 private key");
  return out;
}

/** DH_GENERATE() with injected randomness. */
export function generateKeypair(randomBytes: (n: number) => Uint8Array): { privateKey: Uint8Array; publicKey: Uint8Array } {
  const privateKey = clampPrivateKey(randomBytes(32));
  return { privateKey, publicKey: x25519PublicKey(privateKey) };
}
