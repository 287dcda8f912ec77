// IP addresses, prefixes and UDP endpoints as the WireGuard layers share them.
// Addresses are raw bytes (4 or 16) so the allowed-IPs trie and the cookie
// encoding never re-parse text on the hot path; text only appears at the
// edges (UAPI, config files, logs).
import { isIPv4, isIPv6 } from "node:net";

export type IpFamily = 4 | 6;

export interface Prefix {
  readonly family: IpFamily;
  /** Network address with host bits cleared; 4 or 16 bytes. */
  readonly bytes: Uint8Array;
  readonly cidr: number;
}

export interface Endpoint {
  readonly family: IpFamily;
  /** Textual address as Node's dgram uses it (no brackets, IPv6 may carry %zone). */
  readonly address: string;
  readonly port: number;
}

export class AddressError extends Error {}

export function parseIp(text: string): Uint8Array {
  if (isIPv4(text)) return Uint8Array.from(text.split(".").map(Number));
  const zoneless = text.split("%")[0] ?? "";
  if (isIPv6(zoneless)) return parseIpv6(zoneless);
  throw new AddressError(`invalid IP address "${text}"`);
}

function parseIpv6(text: string): Uint8Array {
  const out = new Uint8Array(16);
  let head = text;
  let tail = "";
  const dbl = text.indexOf("::");
  if (dbl >= 0) {
    head = text.slice(0, dbl);
    tail = text.slice(dbl + 2);
  }
  const groups = (s: string): number[] => {
    if (s === "") return [];
    const parts = s.split(":");
    const words: number[] = [];
    for (const part of parts) {
      if (part.includes(".")) {
        const v4 = parseIp(part);
        words.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0));
      } else {
        words.push(parseInt(part, 16));
      }
    }
    return words;
  };
  const h = groups(head);
  const t = groups(tail);
  const words = [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
  words.forEach((w, i) => {
    out[i * 2] = w >> 8;
    out[i * 2 + 1] = w & 0xff;
  });
  return out;
}

export function formatIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return Array.from(bytes).join(".");
  if (bytes.length !== 16) throw new AddressError(`bad address length ${bytes.length}`);
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  // RFC 5952: compress the longest run (length >= 2) of zero words, leftmost on ties.
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = (ws: number[]): string => ws.map((w) => w.toString(16)).join(":");
  if (bestStart < 0) return hex(words);
  return `${hex(words.slice(0, bestStart))}::${hex(words.slice(bestStart + bestLen))}`;
}

export function familyOf(bytes: Uint8Array): IpFamily {
  return bytes.length === 4 ? 4 : 6;
}

/** Clears host bits; returns a new array. */
export function maskAddress(bytes: Uint8Array, cidr: number): Uint8Array {
  const out = Uint8Array.from(bytes);
  for (let i = 0; i < out.length; i++) {
    const bitsHere = Math.max(0, Math.min(8, cidr - i * 8));
    out[i] = (out[i] ?? 0) & ((0xff << (8 - bitsHere)) & 0xff);
  }
  return out;
}

/** "10.0.0.1/24" (host bits are masked), or a bare address meaning /32 or /128. */
export function parsePrefix(text: string): Prefix {
  const slash = text.indexOf("/");
  const addrText = slash < 0 ? text : text.slice(0, slash);
  const bytes = parseIp(addrText);
  const max = bytes.length * 8;
  let cidr = max;
  if (slash >= 0) {
    const c = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(c) || Number(c) > max) throw new AddressError(`invalid prefix length in "${text}"`);
    cidr = Number(c);
  }
  return { family: familyOf(bytes), bytes: maskAddress(bytes, cidr), cidr };
}

export function formatPrefix(p: Prefix): string {
  return `${formatIp(p.bytes)}/${p.cidr}`;
}

export function prefixEquals(a: Prefix, b: Prefix): boolean {
  if (a.family !== b.family || a.cidr !== b.cidr) return false;
  for (let i = 0; i < a.bytes.length; i++) if (a.bytes[i] !== b.bytes[i]) return false;
  return true;
}

/** "1.2.3.4:51820" or "[v6]:51820" (numeric only, as UAPI carries it). */
export function parseEndpoint(text: string): Endpoint {
  let host: string;
  let portText: string;
  if (text.startsWith("[")) {
    const close = text.indexOf("]:");
    if (close < 0) throw new AddressError(`invalid endpoint "${text}"`);
    host = text.slice(1, close);
    portText = text.slice(close + 2);
  } else {
    const colon = text.lastIndexOf(":");
    if (colon < 0) throw new AddressError(`invalid endpoint "${text}"`);
    host = text.slice(0, colon);
    portText = text.slice(colon + 1);
    if (host.includes(":")) throw new AddressError(`IPv6 endpoint must be bracketed: "${text}"`);
  }
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) throw new AddressError(`invalid port in "${text}"`);
  const bytes = parseIp(host);
  return { family: familyOf(bytes), address: host, port: Number(portText) };
}

export function formatEndpoint(e: Endpoint): string {
  return e.family === 6 ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`;
}

/** Same address text and port (null never equals anything). */
export function sameEndpoint(a: Endpoint | null, b: Endpoint | null): boolean {
  return a !== null && b !== null && a.port === b.port && a.address === b.address;
}

/** Maps "::ffff:a.b.c.d" (what a dual-stack socket reports) back to IPv4. */
export function normalizeEndpoint(address: string, port: number): Endpoint {
  const lower = address.toLowerCase();
  if (lower.startsWith("::ffff:") && isIPv4(address.slice(7))) return { family: 4, address: address.slice(7), port };
  return { family: isIPv4(address) ? 4 : 6, address, port };
}

/**
 * Dotted-quad text in its canonical form (no leading zeros, as inet_ntop and
 * Node print it) into out[at..at + 4), without parseIp's validation and
 * allocation: for hot paths that see one address per datagram (coordd's
 * answers, the protocol's observed endpoints). Anything else returns false
 * (out may then hold partial bytes) and the caller takes the general path.
 */
export function writeCanonicalIpv4(text: string, out: Uint8Array, at = 0): boolean {
  let part = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 0x2e;
    if (c === 0x2e) {
      if (digits === 0 || part > 3) return false;
      out[at + part++] = value;
      value = 0;
      digits = 0;
    } else if (c >= 0x30 && c <= 0x39 && !(digits === 1 && value === 0)) {
      value = value * 10 + (c - 0x30);
      if (value > 255) return false;
      digits++;
    } else {
      return false;
    }
  }
  return part === 4;
}
