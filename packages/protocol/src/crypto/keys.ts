// X25519 key generation and the `wg` base64 text form, for coordd's static
// key and clients' link ephemerals. Same encodings as @plug/wireguard (kept
// here so coordd does not depend on the data plane). Public keys come from
// @noble/curves' base-point multiplication, not KeyObject JWK export (which
// can deadlock Node 20 in a loop).
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { x25519 as nobleX25519 } from "@noble/curves/ed25519.js";
import { KEY_LENGTH } from "../constants.js";
import { CryptoError } from "./primitives.js";

export function generatePrivateKey(random: (n: number) => Uint8Array = randomBytes): Uint8Array {
  const k = Uint8Array.from(random(KEY_LENGTH));
  k[0] = (k[0] ?? 0) & 0xf8;
  k[31] = ((k[31] ?? 0) & 0x7f) | 0x40;
  return k;
}

export function publicKeyFromPrivate(privateKey: Uint8Array): Uint8Array {
  return nobleX25519.getPublicKey(privateKey);
}

export function keyToBase64(key: Uint8Array): string {
  return Buffer.from(key).toString("base64");
}

/** Strict like wg: 44 characters, canonical. */
export function keyFromBase64(text: string): Uint8Array {
  const key = Buffer.from(text, "base64");
  if (!/^[A-Za-z0-9+/]{43}=$/.test(text) || key.length !== KEY_LENGTH || key.toString("base64") !== text) {
    throw new CryptoError("Key is not the correct length or format");
  }
  return new Uint8Array(key);
}

/**
 * A fresh X25519 key pair from OpenSSL, about ten times faster than the
 * pure-JS base-point multiplication; for ephemerals where speed matters
 * (link sessions). Raw keys are the last 32 bytes of the fixed-layout DER
 * encodings (PKCS#8 and SPKI), never a JWK export.
 */
export function generateKeyPair(): { privateKey: Uint8Array; publicKey: Uint8Array } {
  const { privateKey, publicKey } = generateKeyPairSync("x25519");
  const priv = privateKey.export({ format: "der", type: "pkcs8" });
  const pub = publicKey.export({ format: "der", type: "spki" });
  return { privateKey: new Uint8Array(priv.subarray(priv.length - KEY_LENGTH)), publicKey: new Uint8Array(pub.subarray(pub.length - KEY_LENGTH)) };
}
