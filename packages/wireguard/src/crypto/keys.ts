// Curve25519 key handling with the exact text encodings `wg` uses:
// base64 (44 chars, canonical) in files and on the command line, lowercase
// hex in the UAPI. Public keys come from OpenSSL's key import in the addon
// (the same import every DH uses), not from exporting Node KeyObjects (JWK
// export in a loop can deadlock Node 20), and no longer from @noble/curves:
// evaluating that module cost plugd ~8 MiB of RSS at start-up for one
// base-point multiplication per configured private key.
import { randomBytes } from "node:crypto";
import { x25519PrivateKey } from "@plug/fastpath";

export const KEY_LENGTH = 32;

export class KeyFormatError extends Error {}

export function clampPrivateKey(key: Uint8Array): Uint8Array {
  const k = Uint8Array.from(key);
  k[0] = (k[0] ?? 0) & 0xf8;
  k[31] = ((k[31] ?? 0) & 0x7f) | 0x40;
  return k;
}

export function generatePrivateKey(random: (n: number) => Uint8Array = randomBytes): Uint8Array {
  return clampPrivateKey(random(KEY_LENGTH));
}

/** Not clamped, as `wg genpsk`. */
export function generatePresharedKey(random: (n: number) => Uint8Array = randomBytes): Uint8Array {
  return Uint8Array.from(random(KEY_LENGTH));
}

export function publicKeyFromPrivate(privateKey: Uint8Array): Uint8Array {
  if (privateKey.length !== KEY_LENGTH) throw new KeyFormatError("Private key is not 32 bytes");
  return x25519PrivateKey(privateKey).publicKey;
}

export function isZeroKey(key: Uint8Array): boolean {
  let acc = 0;
  for (const b of key) acc |= b;
  return acc === 0;
}

/** Constant-time equality for keys and MACs. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let acc = 0;
  for (let i = 0; i < a.length; i++) acc |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return acc === 0;
}

export function keyToBase64(key: Uint8Array): string {
  return Buffer.from(key).toString("base64");
}

/** Strict like wg: 44 characters ending in "=", standard alphabet, canonical final character. */
export function keyFromBase64(text: string): Uint8Array {
  if (!/^[A-Za-z0-9+/]{43}=$/.test(text)) throw new KeyFormatError("Key is not the correct length or format");
  const key = Buffer.from(text, "base64");
  if (key.length !== KEY_LENGTH || key.toString("base64") !== text) {
    throw new KeyFormatError("Key is not the correct length or format");
  }
  return new Uint8Array(key);
}

export function keyToHex(key: Uint8Array): string {
  return Buffer.from(key).toString("hex");
}

/** 64 hex digits, either case. */
export function keyFromHex(text: string): Uint8Array {
  if (!/^[0-9a-fA-F]{64}$/.test(text)) throw new KeyFormatError("Key is not 64 hex digits");
  return new Uint8Array(Buffer.from(text, "hex"));
}
