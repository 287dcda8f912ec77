// The cookie mechanism (§5.3–§5.5). CookieChecker is the device's responder
// half: it verifies mac1/mac2 of what arrives and issues cookie replies while
// under load. CookieGenerator is the per-peer initiator half: it adds macs to
// what we send and stores the cookie a loaded peer gives us.
import { mac } from "../crypto/blake2s.js";
import { xaeadOpen, xaeadSeal, XNONCE_LENGTH } from "../crypto/aead.js";
import { cookieKey, mac1Key, mac1Of, verifyMac1, verifyMac2, writeMacs } from "./macs.js";
import { encodeCookieReply, senderIndexOf, type CookieReplyMessage } from "./messages.js";

/** Secret rotation and cookie validity, ms (WG-GO CookieRefreshTime). */
export const COOKIE_REFRESH_TIME = 120_000;

/** The address a cookie is bound to, kernel encoding: IP bytes then the UDP port big-endian. */
export function encodeCookieSource(ip: Uint8Array, port: number): Uint8Array {
  const out = new Uint8Array(ip.length + 2);
  out.set(ip, 0);
  out[ip.length] = (port >> 8) & 0xff;
  out[ip.length + 1] = port & 0xff;
  return out;
}

export type Mac2Verdict = { readonly valid: true } | { readonly valid: false; readonly reply: Uint8Array | null };
const VALID: Mac2Verdict = { valid: true };

export class CookieChecker {
  private mac1KeySelf: Uint8Array | null = null;
  private cookieKeySelf: Uint8Array | null = null;
  private secret: Uint8Array | null = null;
  private secretSetAt = 0;

  constructor(private readonly randomBytes: (n: number) => Uint8Array) {}

  /** Our public key changed (or was removed): both derived keys follow it. */
  setPublicKey(publicKey: Uint8Array | null): void {
    this.mac1KeySelf = publicKey === null ? null : mac1Key(publicKey);
    this.cookieKeySelf = publicKey === null ? null : cookieKey(publicKey);
  }

  checkMac1(msg: Uint8Array): boolean {
    return this.mac1KeySelf !== null && verifyMac1(msg, this.mac1KeySelf);
  }

  /** A mac2 made with an expired secret is invalid, so a cookie lives at most COOKIE_REFRESH_TIME. */
  checkMac2(msg: Uint8Array, source: Uint8Array, now: number): boolean {
    if (this.secret === null || now - this.secretSetAt > COOKIE_REFRESH_TIME) return false;
    return verifyMac2(msg, mac(this.secret, source));
  }

  /** The 64-byte reply to a handshake message from `source`; null without a public key. */
  createReply(msg: Uint8Array, source: Uint8Array, now: number): Uint8Array | null {
    return this.replyWith(msg, this.cookieFor(source, now));
  }

  /**
   * The under-load decision of §5.3 in one step: valid when mac2 proves the
   * sender receives at `source`, otherwise the cookie reply to send. The cookie
   * is computed once for both, which matters when every packet is a flood packet.
   */
  verifyMac2OrReply(msg: Uint8Array, source: Uint8Array, now: number): Mac2Verdict {
    const current = this.secret !== null && now - this.secretSetAt <= COOKIE_REFRESH_TIME;
    const cookie = this.cookieFor(source, now);
    if (current && verifyMac2(msg, cookie)) return VALID;
    return { valid: false, reply: this.replyWith(msg, cookie) };
  }

  /** MAC(R, A) with the secret rotated first if it is older than COOKIE_REFRESH_TIME (lazily, §5.4). */
  private cookieFor(source: Uint8Array, now: number): Uint8Array {
    if (this.secret === null || now - this.secretSetAt > COOKIE_REFRESH_TIME) {
      this.secret = Uint8Array.from(this.randomBytes(32));
      this.secretSetAt = now;
    }
    return mac(this.secret, source);
  }

  private replyWith(msg: Uint8Array, cookie: Uint8Array): Uint8Array | null {
    if (this.cookieKeySelf === null) return null;
    const nonce = Uint8Array.from(this.randomBytes(XNONCE_LENGTH));
    return buildCookieReply(msg, this.cookieKeySelf, cookie, nonce);
  }
}

/** Deterministic core of createReply, exposed for the known-answer test. */
export function buildCookieReply(msg: Uint8Array, cookieKeySelf: Uint8Array, cookie: Uint8Array, nonce: Uint8Array): Uint8Array {
  const encryptedCookie = xaeadSeal(cookieKeySelf, nonce, cookie, mac1Of(msg));
  const reply: CookieReplyMessage = { receiver: senderIndexOf(msg), nonce, encryptedCookie };
  return encodeCookieReply(reply);
}

export class CookieGenerator {
  private readonly mac1KeyPeer: Uint8Array;
  private readonly cookieKeyPeer: Uint8Array;
  private lastMac1: Uint8Array | null = null;
  private cookie: Uint8Array | null = null;
  private cookieAt = 0;

  constructor(peerPublicKey: Uint8Array) {
    this.mac1KeyPeer = mac1Key(peerPublicKey);
    this.cookieKeyPeer = cookieKey(peerPublicKey);
  }

  /** Fills mac1 and, while we hold a fresh cookie from this peer, mac2. */
  addMacs(msg: Uint8Array, now: number): void {
    const cookie = this.cookie !== null && now - this.cookieAt < COOKIE_REFRESH_TIME ? this.cookie : null;
    this.lastMac1 = writeMacs(msg, this.mac1KeyPeer, cookie);
  }

  /** Stores the cookie if the reply opens against the last mac1 we sent; no resend (§5.5 step 5). */
  consumeReply(reply: CookieReplyMessage, now: number): boolean {
    if (this.lastMac1 === null) return false;
    const cookie = xaeadOpen(this.cookieKeyPeer, reply.nonce, reply.encryptedCookie, this.lastMac1);
    if (cookie === null || cookie.length !== 16) return false;
    this.cookie = cookie;
    this.cookieAt = now;
    return true;
  }

  hasCookie(now: number): boolean {
    return this.cookie !== null && now - this.cookieAt < COOKIE_REFRESH_TIME;
  }
}
