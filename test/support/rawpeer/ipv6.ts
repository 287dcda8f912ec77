// Just enough IPv6/ICMPv6 to check the IPv6 length rule after decryption
// (payload length + 40) and padding through a daemon's TUN.
import { parseIp, formatIp } from "@plug/wireguard";

function sum16(b: Uint8Array, acc = 0): number {
  for (let i = 0; i < b.length; i += 2) acc += ((b[i] ?? 0) << 8) | (b[i + 1] ?? 0);
  return acc;
}

function fold(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** ICMPv6 echo request (type 128) inside an IPv6 header; the checksum covers the pseudo-header. */
export function echoRequest6(source: string, destination: string, id: number, seq: number, dataLength: number): Uint8Array {
  const src = parseIp(source);
  const dst = parseIp(destination);
  const icmp = Buffer.alloc(8 + dataLength);
  icmp[0] = 128;
  icmp.writeUInt16BE(id, 4);
  icmp.writeUInt16BE(seq, 6);
  for (let i = 0; i < dataLength; i++) icmp[8 + i] = (i * 13 + seq) & 0xff;
  const pseudo = Buffer.alloc(40);
  pseudo.set(src, 0);
  pseudo.set(dst, 16);
  pseudo.writeUInt32BE(icmp.length, 32);
  pseudo[39] = 58;
  icmp.writeUInt16BE(fold(sum16(icmp, sum16(pseudo))), 2);
  const out = Buffer.alloc(40 + icmp.length);
  out[0] = 0x60;
  out.writeUInt16BE(icmp.length, 4);
  out[6] = 58;
  out[7] = 64;
  out.set(src, 8);
  out.set(dst, 24);
  out.set(icmp, 40);
  return new Uint8Array(out);
}

export interface Ipv6Packet {
  readonly source: string;
  readonly destination: string;
  readonly nextHeader: number;
  /** 40 + payload length: the real size inside a padded plaintext. */
  readonly totalLength: number;
  readonly payload: Uint8Array;
}

export function parseIpv6(b: Uint8Array): Ipv6Packet | null {
  if (b.length < 40 || (b[0] ?? 0) >> 4 !== 6) return null;
  const payloadLength = ((b[4] ?? 0) << 8) | (b[5] ?? 0);
  if (40 + payloadLength > b.length) return null;
  return {
    source: formatIp(b.subarray(8, 24)), destination: formatIp(b.subarray(24, 40)), nextHeader: b[6] ?? 0,
    totalLength: 40 + payloadLength, payload: b.slice(40, 40 + payloadLength),
  };
}
