// Default gateways from the kernel routing tables. The parsers are pure (the
// tables are text); defaultGateways() is the edge that reads them.
import { readFile } from "node:fs/promises";
import { formatIp } from "@plug/wireguard/net";

export interface DefaultRoute {
  readonly family: 4 | 6;
  readonly interface: string;
  /** Gateway address; IPv6 link-local ones carry "%interface". */
  readonly gateway: string;
  readonly metric: number;
}

const RTF_UP = 0x1;
const RTF_GATEWAY = 0x2;

/** /proc/net/route: hex fields, IPv4 addresses in host (little-endian) byte order. */
export function parseProcNetRoute(text: string): DefaultRoute[] {
  const out: DefaultRoute[] = [];
  for (const line of text.split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8) continue;
    const [iface, dest, gw, flags, , , metric, mask] = f;
    if (iface === undefined || dest !== "00000000" || mask !== "00000000" || gw === undefined) continue;
    const fl = parseInt(flags ?? "0", 16);
    if ((fl & RTF_UP) === 0 || (fl & RTF_GATEWAY) === 0 || !/^[0-9A-Fa-f]{8}$/.test(gw)) continue;
    const n = parseInt(gw, 16);
    const bytes = Uint8Array.of(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24);
    out.push({ family: 4, interface: iface, gateway: formatIp(bytes), metric: Number(metric ?? 0) });
  }
  return out.sort((a, b) => a.metric - b.metric);
}

/** /proc/net/ipv6_route: dest plen src splen nexthop metric refcnt use flags iface, all hex. */
export function parseProcIpv6Route(text: string): DefaultRoute[] {
  const out: DefaultRoute[] = [];
  for (const line of text.split("\n")) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    const [dest, plen, , , nexthop, metric, , , flags, iface] = f;
    if (dest !== "0".repeat(32) || plen !== "00" || nexthop === undefined || iface === undefined || iface === "lo") continue;
    if (!/^[0-9a-fA-F]{32}$/.test(nexthop) || /^0+$/.test(nexthop)) continue;
    const fl = parseInt(flags ?? "0", 16);
    if ((fl & RTF_UP) === 0 || (fl & RTF_GATEWAY) === 0) continue;
    const bytes = Uint8Array.from(nexthop.match(/../g) ?? [], (h) => parseInt(h, 16));
    const text6 = formatIp(bytes);
    const linkLocal = bytes[0] === 0xfe && ((bytes[1] ?? 0) & 0xc0) === 0x80;
    out.push({ family: 6, interface: iface, gateway: linkLocal ? `${text6}%${iface}` : text6, metric: parseInt(metric ?? "0", 16) });
  }
  return out.sort((a, b) => a.metric - b.metric);
}

/** Default routes of this network namespace, best metric first; empty when there is none. */
export async function defaultGateways(): Promise<{ readonly v4: DefaultRoute[]; readonly v6: DefaultRoute[] }> {
  const read = (p: string): Promise<string> => readFile(p, "utf8").catch(() => "");
  const [v4, v6] = await Promise.all([read("/proc/net/route"), read("/proc/net/ipv6_route")]);
  return { v4: parseProcNetRoute(v4), v6: parseProcIpv6Route(v6) };
}
