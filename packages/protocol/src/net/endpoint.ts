// IP endpoints as the protocol carries them. Structurally the same type as
// @plug/wireguard's Endpoint, so plugd passes its endpoints straight in, but
// defined here so that coordd (and its container image) does not load the
// WireGuard data plane and its TUN addon just to parse an address.
import { isIPv4, isIPv6 } from "node:net";

export type IpFamily = 4 | 6;

export interface Endpoint {
  readonly family: IpFamily;
  /** Textual address as Node's dgram uses it (no brackets). */
  readonly address: string;
  readonly port: number;
}

export class AddressError extends Error {}

export function parseIp(text: string): Uint8Array {
  if (isIPv4(text)) return Uint8Array.from(text.split(".").map(Number));
  const zoneless = text.split("%")[0] ?? "";
  if (!isIPv6(zoneless)) throw new AddressError(`invalid IP address "${text}"`);
  const dbl = zoneless.indexOf("::");
  const words = (s: string): number[] => {
    if (s === "") return [];
    const out: number[] = [];
    for (const part of s.split(":")) {
      if (part.includes(".")) {
        const v4 = parseIp(part);
        out.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0));
      } else out.push(parseInt(part, 16));
    }
    return out;
  };
  const head = words(dbl >= 0 ? zoneless.slice(0, dbl) : zoneless);
  const tail = dbl >= 0 ? words(zoneless.slice(dbl + 2)) : [];
  const all = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  const bytes = new Uint8Array(16);
  all.forEach((w, i) => {
    bytes[i * 2] = w >> 8;
    bytes[i * 2 + 1] = w & 0xff;
  });
  return bytes;
}

/** Dotted quad, or RFC 5952 text for IPv6. */
export function formatIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return Array.from(bytes).join(".");
  if (bytes.length !== 16) throw new AddressError(`bad address length ${bytes.length}`);
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (ws: number[]): string => ws.map((w) => w.toString(16)).join(":");
  if (bestStart < 0) return hex(words);
  return `${hex(words.slice(0, bestStart))}::${hex(words.slice(bestStart + bestLen))}`;
}

/** Maps "::ffff:a.b.c.d" (what a dual-stack socket reports) back to IPv4. */
export function normalizeEndpoint(address: string, port: number): Endpoint {
  if (address.toLowerCase().startsWith("::ffff:") && isIPv4(address.slice(7))) return { family: 4, address: address.slice(7), port };
  return { family: isIPv4(address) ? 4 : 6, address, port };
}
