// Address-bound cookies (the coordd side of the link's anti-spoofing). A
// cookie is a MAC over the source address with a secret that rotates every
// COOKIE_ROTATION_SECONDS; the previous secret is still accepted so a client
// never races the rotation. A cookie only works from the address it was
// issued to, so a captured REGISTER replayed from elsewhere is refused before
// coordd spends an X25519 on it.
import type { Endpoint } from "@plug/wireguard/net";
import { COOKIE_LENGTH, COUNTER_LENGTH, HEADER_LENGTH, MessageType } from "../constants.js";
import { hmac, timingSafeEqualBytes } from "../crypto/primitives.js";
import { Label } from "../keys/labels.js";
import { DecodeError } from "../wire/errors.js";
import { readHeader, writeHeader } from "../wire/header.js";
import { readU64, writeU64 } from "../wire/u64.js";

export function computeCookie(secret: Uint8Array, source: Endpoint, transport: "udp" | "ws"): Uint8Array {
  return hmac(secret, Label.cookie, `${transport}|${source.address}|${source.port}`).subarray(0, COOKIE_LENGTH);
}

/** Tries the newest secret first; which secret matched is not a secret, so stopping early leaks nothing. */
export function cookieMatches(secrets: readonly Uint8Array[], source: Endpoint, transport: "udp" | "ws", cookie: Uint8Array): boolean {
  for (const s of secrets) if (timingSafeEqualBytes(computeCookie(s, source, transport), cookie)) return true;
  return false;
}

/** COOKIE_REPLY: header(4) | echo(8) = the REGISTER's counter | cookie(16). 28 bytes, smaller than any REGISTER. */
export const COOKIE_REPLY_LENGTH = HEADER_LENGTH + COUNTER_LENGTH + COOKIE_LENGTH;

export interface CookieReply {
  readonly echo: bigint;
  readonly cookie: Uint8Array;
}

export function encodeCookieReply(reply: CookieReply): Uint8Array {
  const out = new Uint8Array(COOKIE_REPLY_LENGTH);
  writeHeader(out, MessageType.CookieReply);
  writeU64(out, 4, reply.echo);
  out.set(reply.cookie, 12);
  return out;
}

export function decodeCookieReply(d: Uint8Array): CookieReply {
  const h = readHeader(d);
  if (h.type !== MessageType.CookieReply || d.length !== COOKIE_REPLY_LENGTH) throw new DecodeError("bad cookie reply");
  return { echo: readU64(d, 4), cookie: Uint8Array.from(d.subarray(12, 28)) };
}
