// The few primitives the protocol is built from: HKDF-SHA256, HMAC-SHA256,
// ChaCha20-Poly1305 and X25519, all from OpenSSL. The per-message ones go
// through @plug/fastpath's addon (OpenSSL's EVP API with contexts kept for the
// life of the process): node:crypto's per-call cipher and HMAC objects cost
// more than the work itself on these small messages. The project uses no
// home-made cryptography (a hand-written AEAD and SHA-256 were measured faster
// and removed for that reason; docs/PERFORMANCE.md, coordd section).
// KeyObjects stay in the exported API (coordd holds its static key as one);
// raw 32-byte keys are wrapped in fixed DER prefixes or imported as JWK,
// never exported as JWK (which can deadlock Node 20).
import { createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import {
  aeadOpenOnce,
  aeadSealOnce,
  hkdfSha256,
  hmacSha256,
  x25519Derive,
  x25519PrivateKey,
  type X25519PrivateKey,
} from "@plug/fastpath";
import { AEAD_TAG_LENGTH, KEY_LENGTH } from "../constants.js";

const PKCS8_X25519 = Buffer.from("302e020100300506032b656e04220420", "hex");
const encoder = new TextEncoder();

export class CryptoError extends Error {}

// Labels are a handful of constant strings, and encoding one per derivation was a
// fresh small array each time (which the addon then has to move off the V8 heap).
const MAX_ENCODED_LABELS = 64;
const encodedLabels = new Map<string, Uint8Array>();

function labelBytes(info: string): Uint8Array {
  let b = encodedLabels.get(info);
  if (b === undefined) {
    b = encoder.encode(info);
    if (encodedLabels.size < MAX_ENCODED_LABELS) encodedLabels.set(info, b);
  }
  return b;
}

/** RFC 5869 HKDF-SHA256 (an empty salt means HashLen zero bytes, which is what HMAC makes of it too). */
export function hkdf(ikm: Uint8Array, salt: Uint8Array, info: string | Uint8Array, length: number): Uint8Array {
  if (length > 255 * 32) throw new CryptoError("HKDF output too long");
  return hkdfSha256(ikm, salt, typeof info === "string" ? labelBytes(info) : info, length);
}

export function hmac(key: Uint8Array, ...parts: (Uint8Array | string)[]): Uint8Array {
  return hmacSha256(key, parts);
}

export function x25519PrivateKeyObject(privateKey: Uint8Array): KeyObject {
  if (privateKey.length !== KEY_LENGTH) throw new CryptoError("X25519 private key must be 32 bytes");
  return createPrivateKey({ key: Buffer.concat([PKCS8_X25519, privateKey]), format: "der", type: "pkcs8" });
}

/** JWK import: about six times faster than parsing SPKI DER through OpenSSL's decoders. For callers that want a KeyObject; x25519() below takes raw bytes to the addon. */
export function x25519PublicKeyObject(publicKey: Uint8Array): KeyObject {
  if (publicKey.length !== KEY_LENGTH) throw new CryptoError("X25519 public key must be 32 bytes");
  return createPublicKey({ key: { kty: "OKP", crv: "X25519", x: Buffer.from(publicKey).toString("base64url") }, format: "jwk" });
}

// The addon's handle of a KeyObject's private key, imported once: coordd
// derives with its static key for every new session.
const nativeKeys = new WeakMap<KeyObject, X25519PrivateKey>();

function nativePrivateKey(privateKey: Uint8Array | KeyObject): X25519PrivateKey {
  if (privateKey instanceof Uint8Array) {
    if (privateKey.length !== KEY_LENGTH) throw new CryptoError("X25519 private key must be 32 bytes");
    return x25519PrivateKey(privateKey);
  }
  let key = nativeKeys.get(privateKey);
  if (key === undefined) {
    if (privateKey.asymmetricKeyType !== "x25519" || privateKey.type !== "private") throw new CryptoError("not an X25519 private key");
    const der = privateKey.export({ format: "der", type: "pkcs8" });
    const raw = new Uint8Array(der.subarray(der.length - KEY_LENGTH));
    key = x25519PrivateKey(raw);
    raw.fill(0);
    der.fill(0);
    nativeKeys.set(privateKey, key);
  }
  return key;
}

/**
 * X25519; refuses the all-zero result of low-order points (RFC 7748 §6.1).
 * `into` (32 bytes): write the result there instead of a new array.
 */
export function x25519(privateKey: Uint8Array | KeyObject, publicKey: Uint8Array, into?: Uint8Array): Uint8Array {
  if (publicKey.length !== KEY_LENGTH) throw new CryptoError("X25519 public key must be 32 bytes");
  if (into !== undefined && into.length !== KEY_LENGTH) throw new CryptoError("X25519 output must be 32 bytes");
  const priv = nativePrivateKey(privateKey);
  // OpenSSL itself refuses an all-zero result (null here); the check below keeps the rule visible.
  const out = x25519Derive(priv, publicKey, into);
  if (out === null) throw new CryptoError("X25519 failed");
  let acc = 0;
  for (const b of out) acc |= b;
  if (acc === 0) throw new CryptoError("X25519 produced the zero point");
  return out;
}

function checkAeadKey(key: Uint8Array, nonce: Uint8Array): void {
  if (key.length !== KEY_LENGTH || nonce.length !== 12) throw new CryptoError("ChaCha20-Poly1305 needs a 32-byte key and a 12-byte nonce");
}

export function aeadSeal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
  checkAeadKey(key, nonce);
  return aeadSealOnce(key, nonce, plaintext, aad);
}

/** aeadSeal writing ciphertext || tag into `out` (exactly plaintext.length + 16 bytes), which must not overlap the inputs. */
export function aeadSealInto(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array, out: Uint8Array): void {
  checkAeadKey(key, nonce);
  if (out.length !== plaintext.length + AEAD_TAG_LENGTH) throw new CryptoError("aeadSealInto: out must be plaintext.length + 16 bytes");
  aeadSealOnce(key, nonce, plaintext, aad, out);
}

/** Returns undefined when the ciphertext does not authenticate. */
export function aeadOpen(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array | undefined {
  if (sealed.length < AEAD_TAG_LENGTH) return undefined;
  checkAeadKey(key, nonce);
  return aeadOpenOnce(key, nonce, sealed, aad) ?? undefined;
}

/** 12-byte AEAD nonce from a 64-bit counter: 4 zero bytes then the counter little-endian, as WireGuard. */
export function counterNonce(counter: bigint): Uint8Array {
  return writeCounterNonce(new Uint8Array(12), counter);
}

// Small typed arrays live on the V8 heap, and handing one to the addon makes V8
// move it off the heap first (an allocation and a copy, ~0.5 us). A nonce
// goes straight into one AEAD call, so one off-heap buffer serves them all.
const transientNonce = new Uint8Array(new ArrayBuffer(12));

/**
 * counterNonce's bytes in one buffer shared by every call: only for passing
 * straight to aeadSeal / aeadSealInto / aeadOpen, never to keep (the next
 * call overwrites it).
 */
export function transientCounterNonce(counter: bigint): Uint8Array {
  return writeCounterNonce(transientNonce, counter);
}

/** Bytes 4-11 of `n` (bytes 0-3 stay zero: nobody writes them). */
function writeCounterNonce(n: Uint8Array, counter: bigint): Uint8Array {
  // Counters below 2^32 (all of a link session's in practice) skip the DataView and BigInt store, a measurable share of a registration.
  if (counter >= 0n && counter <= 0xffffffffn) {
    const v = Number(counter);
    n[4] = v;
    n[5] = v >>> 8;
    n[6] = v >>> 16;
    n[7] = v >>> 24;
    n[8] = n[9] = n[10] = n[11] = 0;
  } else {
    new DataView(n.buffer, n.byteOffset, n.byteLength).setBigUint64(4, counter, true);
  }
  return n;
}

/** Constant-time comparison for MACs and tokens. */
export function timingSafeEqualBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let acc = 0;
  for (let i = 0; i < a.length; i++) acc |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return acc === 0;
}
