// Just enough IPv4/ICMP to push an echo through a daemon's TUN and read the reply.

export interface Ipv4Packet {
  readonly source: string;
  readonly destination: string;
  readonly protocol: number;
  readonly totalLength: number;
  readonly payload: Uint8Array;
}

function checksum(b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < b.length; i += 2) sum += ((b[i] ?? 0) << 8) | (b[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

const ip4 = (s: string): number[] => s.split(".").map(Number);

export function ipv4(source: string, destination: string, protocol: number, payload: Uint8Array, ttl = 64): Uint8Array {
  const out = Buffer.alloc(20 + payload.length);
  out[0] = 0x45;
  out.writeUInt16BE(out.length, 2);
  out.writeUInt16BE(0x4000, 6); // DF
  out[8] = ttl;
  out[9] = protocol;
  out.set(ip4(source), 12);
  out.set(ip4(destination), 16);
  out.writeUInt16BE(checksum(out.subarray(0, 20)), 10);
  out.set(payload, 20);
  return new Uint8Array(out);
}

/** ICMP echo request (type 8) with `dataLength` bytes of patterned payload. */
export function icmpEcho(type: 0 | 8, id: number, seq: number, data: Uint8Array): Uint8Array {
  const out = Buffer.alloc(8 + data.length);
  out[0] = type;
  out.writeUInt16BE(id, 4);
  out.writeUInt16BE(seq, 6);
  out.set(data, 8);
  out.writeUInt16BE(checksum(out), 2);
  return new Uint8Array(out);
}

export function echoRequest(source: string, destination: string, id: number, seq: number, dataLength: number): Uint8Array {
  const data = new Uint8Array(dataLength).map((_, i) => (i * 7 + seq) & 0xff);
  return ipv4(source, destination, 1, icmpEcho(8, id, seq, data));
}

/** Parses an IPv4 header from a (possibly padded) plaintext; null if it is not one. */
export function parseIpv4(b: Uint8Array): Ipv4Packet | null {
  if (b.length < 20 || (b[0] ?? 0) >> 4 !== 4) return null;
  const ihl = ((b[0] ?? 0) & 0x0f) * 4;
  const totalLength = ((b[2] ?? 0) << 8) | (b[3] ?? 0);
  if (totalLength < ihl || totalLength > b.length) return null;
  const fmt = (o: number): string => Array.from(b.subarray(o, o + 4)).join(".");
  return { source: fmt(12), destination: fmt(16), protocol: b[9] ?? 0, totalLength, payload: b.slice(ihl, totalLength) };
}

export interface Echo {
  readonly type: number;
  readonly id: number;
  readonly seq: number;
  readonly data: Uint8Array;
}

export function parseEcho(p: Ipv4Packet): Echo | null {
  if (p.protocol !== 1 || p.payload.length < 8) return null;
  const b = Buffer.from(p.payload);
  return { type: b[0] ?? 0, id: b.readUInt16BE(4), seq: b.readUInt16BE(6), data: p.payload.slice(8) };
}

/** The echo reply a host would send back for `request` (used when the raw peer is the pinged side). */
export function echoReplyFor(request: Uint8Array): Uint8Array | null {
  const p = parseIpv4(request);
  const e = p ? parseEcho(p) : null;
  if (!p || !e || e.type !== 8) return null;
  return ipv4(p.destination, p.source, 1, icmpEcho(0, e.id, e.seq, e.data));
}
