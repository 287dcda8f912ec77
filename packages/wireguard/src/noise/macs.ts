// mac1 and mac2 (§5.1, §5.2): mac1 proves the sender knows our public key,
// mac2 proves it can receive at its source address (it carries our cookie).
// Both always sit in the last 32 bytes of a handshake message.
import { hash, mac, MAC_LENGTH } from "../crypto/blake2s.js";
import { bytesEqual } from "../crypto/keys.js";
import { LABEL_COOKIE, LABEL_MAC1 } from "./constants.js";

export function mac1Key(publicKey: Uint8Array): Uint8Array {
  return hash(LABEL_MAC1, publicKey);
}

export function cookieKey(publicKey: Uint8Array): Uint8Array {
  return hash(LABEL_COOKIE, publicKey);
}

export function computeMac1(msg: Uint8Array, key: Uint8Array): Uint8Array {
  return mac(key, msg.subarray(0, msg.length - 2 * MAC_LENGTH));
}

export function computeMac2(msg: Uint8Array, cookie: Uint8Array): Uint8Array {
  return mac(cookie, msg.subarray(0, msg.length - MAC_LENGTH));
}

/** Fills mac1 (and mac2 when a cookie is given; otherwise zero) in place; returns a copy of mac1. */
export function writeMacs(msg: Uint8Array, mac1KeyOfReceiver: Uint8Array, cookie: Uint8Array | null): Uint8Array {
  const m1 = computeMac1(msg, mac1KeyOfReceiver);
  msg.set(m1, msg.length - 2 * MAC_LENGTH);
  if (cookie !== null) msg.set(computeMac2(msg, cookie), msg.length - MAC_LENGTH);
  else msg.fill(0, msg.length - MAC_LENGTH);
  return m1;
}

export function mac1Of(msg: Uint8Array): Uint8Array {
  return msg.subarray(msg.length - 2 * MAC_LENGTH, msg.length - MAC_LENGTH);
}

export function verifyMac1(msg: Uint8Array, mac1KeyOfSelf: Uint8Array): boolean {
  return bytesEqual(computeMac1(msg, mac1KeyOfSelf), mac1Of(msg));
}

export function verifyMac2(msg: Uint8Array, cookie: Uint8Array): boolean {
  return bytesEqual(computeMac2(msg, cookie), msg.subarray(msg.length - MAC_LENGTH));
}
