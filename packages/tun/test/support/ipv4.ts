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
