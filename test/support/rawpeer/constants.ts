// Constants of WIREGUARD.md §2, derived here rather than copied so a typo cannot hide.
import { hash } from "./primitives.js";

const ascii = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, "ascii"));

export const CONSTRUCTION = ascii("Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s");
export const IDENTIFIER = ascii("WireGuard v1 zx2c4 Jason@zx2c4.com");
export const LABEL_MAC1 = ascii("mac1----");
export const LABEL_COOKIE = ascii("cookie--");
export const INITIAL_CHAIN = hash(CONSTRUCTION);
export const INITIAL_HASH = hash(INITIAL_CHAIN, IDENTIFIER);

export const MESSAGE_INITIATION = 1;
export const MESSAGE_RESPONSE = 2;
export const MESSAGE_COOKIE_REPLY = 3;
export const MESSAGE_TRANSPORT = 4;

export const INITIATION_LENGTH = 148;
export const RESPONSE_LENGTH = 92;
export const COOKIE_REPLY_LENGTH = 64;
export const TRANSPORT_HEADER_LENGTH = 16;
export const MIN_TRANSPORT_LENGTH = 32;

export function mac1Key(receiverStatic: Uint8Array): Uint8Array {
  return hash(LABEL_MAC1, receiverStatic);
}

export function cookieKey(ownerStatic: Uint8Array): Uint8Array {
  return hash(LABEL_COOKIE, ownerStatic);
}
