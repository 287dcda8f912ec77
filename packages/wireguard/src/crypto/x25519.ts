// X25519 on OpenSSL. Raw 32-byte keys are wrapped in the fixed PKCS#8/SPKI
// DER prefixes (WIREGUARD.md §1) so node:crypto accepts them; public keys are
// derived by DH with the base point, which avoids exporting KeyObjects.
import { createPrivateKey, createPublicKey, diffieHellman, type KeyObject } from "node:crypto";
import { clampPrivateKey, isZeroKey } from "./keys.js";

const PKCS8_PREFIX = Buffer.from("302e020100300506032b656e04220420", "hex");
const SPKI_PREFIX = Buffer.from("302a300506032b656e032100", "hex");
const BASE_POINT = new Uint8Array(32);
BASE_POINT[0] = 9;

export function privateKeyObject(priv: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, priv]), format: "der", type: "pkcs8" });
}

export function publicKeyObject(pub: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, pub]), format: "der", type: "spki" });
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
