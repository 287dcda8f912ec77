// Just enough IPv4/ICMP/UDP to build and parse the packets the TUN tests
// exchange with the kernel.

export interface Ipv4Packet {
  readonly protocol: number;
  readonly source: string;
  readonly destination: string;
  readonly payload: Buffer;
}

export const PROTO_ICMP = 1;
export const PROTO_UDP = 17;

function checksum(bytes: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < bytes.length; i += 2) sum += ((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function addressBytes(text: string): number[] {
  return text.split(".").map(Number);
}

/** null for anything that is not a well-formed IPv4 packet (IPv6 noise, truncation). */
export function parseIpv4(packet: Uint8Array): Ipv4Packet | null {
  if (packet.length < 20 || (packet[0] ?? 0) >> 4 !== 4) return null;
  const headerLength = ((packet[0] ?? 0) & 0x0f) * 4;
  const totalLength = ((packet[2] ?? 0) << 8) | (packet[3] ?? 0);
  if (totalLength > packet.length || headerLength > totalLength) return null;
  const b = Buffer.from(packet.buffer, packet.byteOffset, packet.byteLength);
  return {
    protocol: b[9] ?? 0,
    source: Array.from(b.subarray(12, 16)).join("."),
    destination: Array.from(b.subarray(16, 20)).join("."),
    payload: b.subarray(headerLength, totalLength),
  };
}

export function ipv4(protocol: number, source: string, destination: string, payload: Uint8Array): Buffer {
  const header = Buffer.alloc(20);
  header[0] = 0x45;
  header.writeUInt16BE(20 + payload.length, 2);
  header[8] = 64;
  header[9] = protocol;
  header.set(addressBytes(source), 12);
  header.set(addressBytes(destination), 16);
  header.writeUInt16BE(checksum(header), 10);
  return Buffer.concat([header, payload]);
}

export function icmpEcho(type: 0 | 8, id: number, seq: number, data: Uint8Array): Buffer {
  const icmp = Buffer.alloc(8 + data.length);
  icmp[0] = type;
  icmp.writeUInt16BE(id, 4);
  icmp.writeUInt16BE(seq, 6);
  icmp.set(data, 8);
  icmp.writeUInt16BE(checksum(icmp), 2);
  return icmp;
}

export interface UdpDatagram {
  readonly sourcePort: number;
  readonly destinationPort: number;
  readonly data: Buffer;
}

export function parseUdp(payload: Buffer): UdpDatagram | null {
  if (payload.length < 8) return null;
  const length = payload.readUInt16BE(4);
  if (length < 8 || length > payload.length) return null;
  return { sourcePort: payload.readUInt16BE(0), destinationPort: payload.readUInt16BE(2), data: payload.subarray(8, length) };
}

export const PROTO_TCP = 6;
export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;

export interface TcpSegment {
  readonly sourcePort: number;
  readonly destinationPort: number;
  readonly seq: number;
  readonly ack: number;
  readonly flags: number;
  readonly data: Buffer;
}

/** A TCP header (no options, window 65535) and its payload; the checksum field is left 0. */
function tcpSegment(s: Omit<TcpSegment, "data"> & { data?: Uint8Array }): Buffer {
  const data = s.data ?? new Uint8Array(0);
  const tcp = Buffer.alloc(20 + data.length);
  tcp.writeUInt16BE(s.sourcePort, 0);
  tcp.writeUInt16BE(s.destinationPort, 2);
  tcp.writeUInt32BE(s.seq >>> 0, 4);
  tcp.writeUInt32BE(s.ack >>> 0, 8);
  tcp[12] = 5 << 4;
  tcp[13] = s.flags;
  tcp.writeUInt16BE(65535, 14);
  tcp.set(data, 20);
  return tcp;
}

/** A TCP segment (no options, window 65535) inside an IPv4 packet, both checksums right. */
export function tcpIpv4(source: string, destination: string, s: Omit<TcpSegment, "data"> & { data?: Uint8Array }): Buffer {
  const tcp = tcpSegment(s);
  const pseudo = Buffer.alloc(12);
  pseudo.set(addressBytes(source), 0);
  pseudo.set(addressBytes(destination), 4);
  pseudo[9] = PROTO_TCP;
  pseudo.writeUInt16BE(tcp.length, 10);
  tcp.writeUInt16BE(checksum(Buffer.concat([pseudo, tcp])), 16);
  return ipv4(PROTO_TCP, source, destination, tcp);
}

export function parseTcp(payload: Buffer): TcpSegment | null {
  if (payload.length < 20) return null;
  const offset = ((payload[12] ?? 0) >> 4) * 4;
  if (offset < 20 || offset > payload.length) return null;
  return {
    sourcePort: payload.readUInt16BE(0),
    destinationPort: payload.readUInt16BE(2),
    seq: payload.readUInt32BE(4),
    ack: payload.readUInt32BE(8),
    flags: payload[13] ?? 0,
    data: payload.subarray(offset),
  };
}

/** Whether a TCP segment's checksum (pseudo-header included) verifies. */
export function tcpChecksumOk(source: string, destination: string, tcp: Uint8Array): boolean {
  const pseudo = Buffer.alloc(12);
  pseudo.set(addressBytes(source), 0);
  pseudo.set(addressBytes(destination), 4);
  pseudo[9] = PROTO_TCP;
  pseudo.writeUInt16BE(tcp.length, 10);
  return checksum(Buffer.concat([pseudo, tcp])) === 0;
}

// IPv6 (the file's name says IPv4; these few lines serve the coalescing tests' IPv6 case).

function v6Bytes(text: string): Buffer {
  const [head = "", tail = ""] = text.split("::");
  const h = head === "" ? [] : head.split(":");
  const t = tail === "" ? [] : tail.split(":");
  const groups = [...h, ...new Array<string>(8 - h.length - t.length).fill("0"), ...t];
  const b = Buffer.alloc(16);
  groups.forEach((g, i) => b.writeUInt16BE(parseInt(g, 16), i * 2));
  return b;
}

/** A TCP segment (no options) in an IPv6 packet (hop limit 64, no extension headers). */
export function tcpIpv6(source: string, destination: string, s: Omit<TcpSegment, "data"> & { data?: Uint8Array }): Buffer {
  const tcp = tcpSegment(s);
  tcp.writeUInt16BE(checksum(Buffer.concat([v6Pseudo(v6Bytes(source), v6Bytes(destination), tcp.length), tcp])), 16);
  const ip = Buffer.alloc(40);
  ip[0] = 0x60;
  ip.writeUInt16BE(tcp.length, 4);
  ip[6] = PROTO_TCP;
  ip[7] = 64;
  v6Bytes(source).copy(ip, 8);
  v6Bytes(destination).copy(ip, 24);
  return Buffer.concat([ip, tcp]);
}

function v6Pseudo(source: Buffer, destination: Buffer, length: number): Buffer {
  const p = Buffer.alloc(40);
  source.copy(p, 0);
  destination.copy(p, 16);
  p.writeUInt32BE(length, 32);
  p[39] = PROTO_TCP;
  return p;
}

/** For an IPv6 packet carrying TCP: hop limit, whether the TCP checksum verifies, and the segment. */
export function parseTcpIpv6(packet: Buffer): { hopLimit: number; checksumOk: boolean; tcp: TcpSegment | null } | null {
  if (packet.length < 40 || (packet[0] ?? 0) >> 4 !== 6 || packet[6] !== PROTO_TCP) return null;
  const tcp = packet.subarray(40, 40 + packet.readUInt16BE(4));
  const pseudo = v6Pseudo(packet.subarray(8, 24), packet.subarray(24, 40), tcp.length);
  return { hopLimit: packet[7] ?? 0, checksumOk: checksum(Buffer.concat([pseudo, tcp])) === 0, tcp: parseTcp(tcp) };
}
