// Value syntaxes shared by the key tables. Each parser takes the value text
// (already stripped as the key's table entry asks) and returns a typed value
// or throws ValueError. The rules follow `wg` (TOOLS src/config.c) where it
// has one, and wg-quick (linux.bash) for its own keys.
import { isIP } from "node:net";
import { AddressError, KeyFormatError, familyOf, keyFromBase64, parseIp, parsePrefix, type Prefix } from "@plug/wireguard";
import { ValueError } from "./error.js";
import type { AddressAssignment, HostPort } from "./types.js";

const digits = /^[0-9]+$/;

/**
 * Quotes a rejected list entry for the error message, unless it could be key
 * material (a long run of base64 characters, e.g. a key pasted on the wrong
 * line). Addresses and host names are broken up by "." and ":" and still show.
 */
export function quoted(text: string): string {
  return /[A-Za-z0-9+/]{10,}/.test(text) || text.length > 64 ? "(value not shown)" : `"${text}"`;
}

/** Base64 key, strict like wg. The message never echoes the text. */
export function parseKey(text: string): Uint8Array {
  try {
    return keyFromBase64(text);
  } catch (err) {
    if (err instanceof KeyFormatError) throw new ValueError("is not a valid key (44 characters of canonical base64)");
    throw err;
  }
}

export function parseUint(text: string, max: number, what: string): number {
  if (!digits.test(text) || text.length > 10 || Number(text) > max) throw new ValueError(`must be ${what}`);
  return Number(text);
}

/** Numeric only: wg also accepts /etc/services names, which a pure parser cannot look up. */
export function parsePort(text: string): number {
  return parseUint(text, 65535, "a port number 0-65535");
}

/** wg's parse_fwmark: "off" (any case), decimal, or hex with a lowercase "0x". */
export function parseFwmark(text: string): number {
  if (text.toLowerCase() === "off") return 0;
  const what = "off, a decimal number or 0x hex up to 0xffffffff";
  if (text.length > 2 && text.startsWith("0x")) {
    const hex = text.slice(2);
    if (!/^[0-9a-fA-F]{1,8}$/.test(hex.replace(/^0+(?=.)/, ""))) throw new ValueError(`must be ${what}`);
    return Number.parseInt(hex, 16);
  }
  if (!digits.test(text)) throw new ValueError(`must be ${what}`);
  const stripped = text.replace(/^0+(?=.)/, "");
  if (stripped.length > 10 || Number(stripped) > 0xffffffff) throw new ValueError(`must be ${what}`);
  return Number(stripped);
}

/** wg's parse_persistent_keepalive: "off" (any case) or 0-65535 seconds. */
export function parseKeepalive(text: string): number {
  if (text.toLowerCase() === "off") return 0;
  return parseUint(text.replace(/^0+(?=.)/, ""), 65535, "off or 0-65535 seconds");
}

export function parseBool(text: string): boolean {
  const t = text.toLowerCase();
  if (t === "true") return true;
  if (t === "false") return false;
  throw new ValueError("must be true or false");
}

/** The smallest IPv4 MTU the kernel accepts up to the largest a TUN carries. */
export function parseMtu(text: string): number {
  const mtu = parseUint(text, 65535, "an MTU 68-65535");
  if (mtu < 68) throw new ValueError("must be an MTU 68-65535");
  return mtu;
}

/** Comma list; empty items (from "a,,b" or a trailing comma) are ignored as wg does. */
export function splitList(text: string): string[] {
  return text.split(",").filter((s) => s !== "");
}

/** `ip[/cidr]` with host bits kept, since this is the interface's own address. */
export function parseAddress(text: string): AddressAssignment {
  const slash = text.indexOf("/");
  const ipText = slash < 0 ? text : text.slice(0, slash);
  let address: Uint8Array;
  try {
    address = parseIp(ipText);
  } catch (err) {
    if (err instanceof AddressError) throw new ValueError(`has an invalid IP address ${quoted(ipText)}`);
    throw err;
  }
  if (ipText.includes("%")) throw new ValueError(`must not carry a zone: ${quoted(ipText)}`);
  const family = familyOf(address);
  const max = family === 4 ? 32 : 128;
  let cidr = max;
  if (slash >= 0) {
    const c = text.slice(slash + 1);
    if (!/^[0-9]{1,3}$/.test(c) || Number(c) > max) throw new ValueError(`has an invalid prefix length in ${quoted(text)}`);
    cidr = Number(c);
  }
  return { address, family, cidr };
}

/** `ip[/cidr]`, host bits masked; a bare address is /32 or /128. */
export function parseAllowedIp(text: string): Prefix {
  if (text.startsWith("+") || text.startsWith("-")) {
    throw new ValueError("entries with a +/- prefix are for incremental `wg set`, not a config file");
  }
  if (text.includes("%")) throw new ValueError(`must not carry a zone: ${quoted(text)}`);
  try {
    return parsePrefix(text);
  } catch (err) {
    if (err instanceof AddressError) throw new ValueError(`has an invalid prefix ${quoted(text)}`);
    throw err;
  }
}

// RFC 1123 host names (underscores tolerated: some internal zones use them).
const hostName = /^(?=.{1,253}$)([A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?$/;

export function isHostName(text: string): boolean {
  return hostName.test(text);
}

/** `host:port` or `[v6]:port` (v6 may carry %zone); host names are resolved later. */
export function parseHostPort(text: string): HostPort {
  let host: string;
  let portText: string;
  if (text.startsWith("[")) {
    const close = text.indexOf("]:");
    if (close < 0) throw new ValueError("must be host:port or [IPv6]:port");
    host = text.slice(1, close);
    portText = text.slice(close + 2);
    const zoneless = host.split("%")[0] ?? "";
    if (isIP(zoneless) !== 6) throw new ValueError("must have an IPv6 address inside [ ]");
    if (host.includes("%") && !/^%[A-Za-z0-9_.-]{1,15}$/.test(host.slice(zoneless.length))) {
      throw new ValueError("has an invalid IPv6 zone");
    }
  } else {
    const colon = text.lastIndexOf(":");
    if (colon < 0) throw new ValueError("must be host:port or [IPv6]:port");
    host = text.slice(0, colon);
    portText = text.slice(colon + 1);
    if (host.includes(":")) throw new ValueError("must put an IPv6 address in brackets: [IPv6]:port");
    if (isIP(host) !== 4 && !isHostName(host)) throw new ValueError("has an invalid host");
  }
  const port = parseUint(portText, 65535, "host:port with a port 1-65535");
  if (port === 0) throw new ValueError("must be host:port with a port 1-65535");
  return { host, port };
}

/** wg-quick's split: entries that look like IPs are nameservers, anything else a search domain. */
export function classifyDns(entry: string): { nameserver: string } | { search: string } {
  if (/^[0-9.]+$/.test(entry) || entry.includes(":")) {
    if (isIP(entry.split("%")[0] ?? "") === 0) throw new ValueError(`has an invalid nameserver address ${quoted(entry)}`);
    return { nameserver: entry };
  }
  if (!isHostName(entry)) throw new ValueError(`has an invalid search domain ${quoted(entry)}`);
  return { search: entry };
}

/** off | auto | table id | table name (as `ip route ... table NAME` takes it). */
export function parseTable(text: string): "off" | "auto" | number | string {
  const t = text.toLowerCase();
  if (t === "off" || t === "auto") return t;
  if (digits.test(text)) {
    const id = parseUint(text.replace(/^0+(?=.)/, ""), 0xffffffff, "off, auto, a table id 1-4294967295 or a table name");
    if (id === 0) throw new ValueError("must be off, auto, a table id 1-4294967295 or a table name");
    return id;
  }
  if (!/^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/.test(text)) throw new ValueError("must be off, auto, a table id or a table name");
  return text;
}
