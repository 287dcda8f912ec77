// SSDP discovery messages (UPnP Device Architecture 1.1 §1.3): the M-SEARCH
// we send and the unicast HTTPU answers we accept.

export const SSDP_MULTICAST = "239.255.255.250";
export const SSDP_PORT = 1900;

/** What we search for, best first; IGDv2 devices also answer IGDv1 searches. */
export const IGD_SEARCH_TARGETS = [
  "urn:schemas-upnp-org:device:InternetGatewayDevice:2",
  "urn:schemas-upnp-org:device:InternetGatewayDevice:1",
] as const;

export interface SsdpResponse {
  readonly location: string;
  readonly st: string;
  readonly usn?: string;
  readonly server?: string;
}

export function encodeMSearch(st: string, mxSeconds = 2): Uint8Array {
  const text =
    "M-SEARCH * HTTP/1.1\r\n" +
    `HOST: ${SSDP_MULTICAST}:${SSDP_PORT}\r\n` +
    'MAN: "ssdp:discover"\r\n' +
    `MX: ${mxSeconds}\r\n` +
    `ST: ${st}\r\n` +
    "\r\n";
  return new TextEncoder().encode(text);
}

/** Parses a search response; undefined unless it is a 200 with an http LOCATION. */
export function parseSsdpResponse(packet: Uint8Array): SsdpResponse | undefined {
  if (packet.length > 4096) return undefined;
  const text = new TextDecoder("utf-8", { fatal: false }).decode(packet);
  const lines = text.split(/\r?\n/);
  if (!/^HTTP\/1\.[01] 200\b/.test(lines[0] ?? "")) return undefined;
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const location = headers.get("location");
  const st = headers.get("st");
  if (location === undefined || st === undefined || !/^http:\/\//i.test(location)) return undefined;
  try {
    new URL(location);
  } catch {
    return undefined;
  }
  const usn = headers.get("usn");
  const server = headers.get("server");
  return { location, st, ...(usn !== undefined ? { usn } : {}), ...(server !== undefined ? { server } : {}) };
}
