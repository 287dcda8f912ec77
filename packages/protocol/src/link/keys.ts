// Link keys between a client and coordd. The client picks an ephemeral X25519
// key per session; both sides derive
//   c2s || s2c = HKDF-SHA256(ikm = X25519(e, S), salt = e_pub || S_pub, info = "plug/v1/link-keys", 64)
// so on-path observers see no rids, slot tokens or sealed blobs, and the
// server's static key authenticates coordd to the client (only the holder of
// S can produce s2c ciphertext).
import type { KeyObject } from "node:crypto";
import { KEY_LENGTH, SESSION_TAG_LENGTH } from "../constants.js";
import { hkdf, x25519 } from "../crypto/primitives.js";
import { Label } from "../keys/labels.js";

export interface LinkKeys {
  /** Client to server AEAD key. */
  readonly c2s: Uint8Array;
  /** Server to client AEAD key. */
  readonly s2c: Uint8Array;
  /** The client's ephemeral public key. */
  readonly ephemeralPublic: Uint8Array;
  /** First 8 bytes of the ephemeral public key: names the session in server messages. */
  readonly tag: Uint8Array;
}

// The salt only lives for the one HKDF call: one buffer off the V8 heap for all
// of them (coordd derives once per new session; a fresh 64-byte array also had
// to be moved off the heap for the addon).
const saltScratch = new Uint8Array(new ArrayBuffer(2 * KEY_LENGTH));

export function deriveLinkKeys(sharedSecret: Uint8Array, ephemeralPublic: Uint8Array, serverPublic: Uint8Array): LinkKeys {
  saltScratch.set(ephemeralPublic, 0);
  saltScratch.set(serverPublic, 32);
  const okm = hkdf(sharedSecret, saltScratch, Label.linkKeys, 2 * KEY_LENGTH);
  // A copy: the caller's key may be a view into a datagram buffer that gets reused.
  const ephemeral = Uint8Array.from(ephemeralPublic);
  return {
    c2s: okm.subarray(0, KEY_LENGTH),
    s2c: okm.subarray(KEY_LENGTH),
    ephemeralPublic: ephemeral,
    tag: ephemeral.subarray(0, SESSION_TAG_LENGTH),
  };
}

export function clientLinkKeys(ephemeralPrivate: Uint8Array, ephemeralPublic: Uint8Array, serverPublic: Uint8Array): LinkKeys {
  return deriveLinkKeys(x25519(ephemeralPrivate, serverPublic), ephemeralPublic, serverPublic);
}

// coordd's shared secret of each new session only feeds the HKDF: one buffer off
// the V8 heap, wiped after each use (a fresh array was also moved off the heap
// by the addon, then left to the GC with the secret in it).
const sharedScratch = new Uint8Array(new ArrayBuffer(KEY_LENGTH));

export function serverLinkKeys(serverPrivate: KeyObject | Uint8Array, serverPublic: Uint8Array, ephemeralPublic: Uint8Array): LinkKeys {
  try {
    return deriveLinkKeys(x25519(serverPrivate, ephemeralPublic, sharedScratch), ephemeralPublic, serverPublic);
  } finally {
    sharedScratch.fill(0);
  }
}
