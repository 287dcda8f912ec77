// Protocol constants of WireGuard §2: the Noise construction and the two
// derived starting values every handshake begins from.
import { hash } from "../crypto/blake2s.js";

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

export const CONSTRUCTION = ascii("Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s");
export const IDENTIFIER = ascii("WireGuard v1 zx2c4 Jason@zx2c4.com");
export const LABEL_MAC1 = ascii("mac1----");
export const LABEL_COOKIE = ascii("cookie--");

/** Initial chaining key Ci = HASH(CONSTRUCTION). */
export const INITIAL_CHAIN_KEY = hash(CONSTRUCTION);
/** Initial hash Hi = HASH(Ci || IDENTIFIER). */
export const INITIAL_HASH = hash(INITIAL_CHAIN_KEY, IDENTIFIER);

export const ZERO_KEY = new Uint8Array(32);
