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

export function deriveLinkKeys(sharedSecret: Uint8Array, ephemeralPublic: Uint8Array, serverPublic: Uint8Array): LinkKeys {
  const salt = new Uint8Array(64);
  salt.set(ephemeralPublic, 0);
  salt.set(serverPublic, 32);
  const okm = hkdf(sharedSecret, salt, Label.linkKeys, 2 * KEY_LENGTH);
  return {
    c2s: okm.subarray(0, KEY_LENGTH),
    s2c: okm.subarray(KEY_LENGTH),
    ephemeralPublic: Uint8Array.from(ephemeralPublic),
    tag: Uint8Array.from(ephemeralPublic.subarray(0, SESSION_TAG_LENGTH)),
  };
}

export function clientLinkKeys(ephemeralPrivate: Uint8Array, ephemeralPublic: Uint8Array, serverPublic: Uint8Array): LinkKeys {
  return deriveLinkKeys(x25519(ephemeralPrivate, serverPublic), ephemeralPublic, serverPublic);
}

export function serverLinkKeys(serverPrivate: KeyObject | Uint8Array, serverPublic: Uint8Array, ephemeralPublic: Uint8Array): LinkKeys {
  return deriveLinkKeys(x25519(serverPrivate, ephemeralPublic), ephemeralPublic, serverPublic);
}
