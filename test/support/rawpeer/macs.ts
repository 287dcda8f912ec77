// mac1/mac2 (WIREGUARD.md §5.1–5.2) and the cookie reply both ways (§5.4–5.5).
import { cookieKey, mac1Key } from "./constants.js";
import { encodeCookieReply } from "./messages.js";
import { mac, xaeadOpen, xaeadSeal } from "./primitives.js";

/**
 * Fills mac1 and mac2 of a handshake message in place (they are its last 32 bytes)
 * and returns mac1, which the sender must keep to open a cookie reply.
 */
export function stampMacs(message: Uint8Array, receiverStatic: Uint8Array, cookie: Uint8Array | null): Uint8Array {
  const n = message.length;
  const m1 = mac(mac1Key(receiverStatic), message.subarray(0, n - 32));
  message.set(m1, n - 32);
  message.set(cookie ? mac(cookie, message.subarray(0, n - 16)) : new Uint8Array(16), n - 16);
  return m1;
}

export function mac1Valid(message: Uint8Array, ownStatic: Uint8Array): boolean {
  const n = message.length;
  return Buffer.compare(mac(mac1Key(ownStatic), message.subarray(0, n - 32)), message.subarray(n - 32, n - 16)) === 0;
}

/** Opens a cookie reply from the peer whose static key is `peerStatic`; null if it does not authenticate. */
export function openCookieReply(nonce: Uint8Array, encryptedCookie: Uint8Array, peerStatic: Uint8Array, lastMac1: Uint8Array): Uint8Array | null {
  return xaeadOpen(cookieKey(peerStatic), nonce, encryptedCookie, lastMac1);
}

/** Builds a cookie reply as a responder would (kernel address encoding); used for the KAT. */
export function makeCookieReply(params: {
  ownStatic: Uint8Array; secret: Uint8Array; sourceAddress: Uint8Array; sourcePort: number;
  receiver: number; answeredMac1: Uint8Array; nonce: Uint8Array;
}): { cookie: Uint8Array; bytes: Uint8Array } {
  const port = Buffer.alloc(2);
  port.writeUInt16BE(params.sourcePort);
  const cookie = mac(params.secret, new Uint8Array(Buffer.concat([params.sourceAddress, port])));
  const encryptedCookie = xaeadSeal(cookieKey(params.ownStatic), params.nonce, cookie, params.answeredMac1);
  return { cookie, bytes: encodeCookieReply({ receiver: params.receiver, nonce: params.nonce, encryptedCookie }) };
}
