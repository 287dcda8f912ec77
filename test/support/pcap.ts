// Reads the classic pcap files tcpdump writes (-w), returning UDP datagrams with their
// addresses: enough to capture real WireGuard packets and replay them from elsewhere.
import { readFileSync } from "node:fs";

export interface UdpDatagram {
  readonly src: string;
  readonly srcPort: number;
  readonly dst: string;
  readonly dstPort: number;
  readonly payload: Buffer;
}

const LINKTYPE_ETHERNET = 1;
const LINKTYPE_RAW = 101;
const LINKTYPE_LINUX_SLL = 113;

export function readPcapUdp(path: string): UdpDatagram[] {
  const buf = readFileSync(path);
  if (buf.length < 24) return [];
  const magic = buf.readUInt32LE(0);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  if (!le && buf.readUInt32BE(0) !== 0xa1b2c3d4 && buf.readUInt32BE(0) !== 0xa1b23c4d) {
    throw new Error(`${path}: not a classic pcap file`);
  }
  const u32 = (o: number): number => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const linktype = u32(20);
  const out: UdpDatagram[] = [];
  for (let off = 24; off + 16 <= buf.length; ) {
    const caplen = u32(off + 8);
    const frame = buf.subarray(off + 16, off + 16 + caplen);
    off += 16 + caplen;
    const ip = stripLink(frame, linktype);
    const d = ip && parseIpUdp(ip);
    if (d) out.push(d);
  }
  return out;
}

function stripLink(frame: Buffer, linktype: number): Buffer | undefined {
  if (linktype === LINKTYPE_RAW) return frame;
  if (linktype === LINKTYPE_ETHERNET) return frame.length > 14 ? frame.subarray(14) : undefined;
  if (linktype === LINKTYPE_LINUX_SLL) return frame.length > 16 ? frame.subarray(16) : undefined;
  throw new Error(`unsupported pcap link type ${linktype}`);
}

function parseIpUdp(ip: Buffer): UdpDatagram | undefined {
  const version = (ip[0] ?? 0) >> 4;
  let udp: Buffer;
  let src: string;
  let dst: string;
  if (version === 4) {
    const ihl = ((ip[0] ?? 0) & 0x0f) * 4;
    if (ip[9] !== 17) return undefined;
    src = [...ip.subarray(12, 16)].join(".");
    dst = [...ip.subarray(16, 20)].join(".");
    udp = ip.subarray(ihl, ip.readUInt16BE(2));
  } else if (version === 6) {
    if (ip[6] !== 17) return undefined; // no extension headers in our labs
    src = v6(ip.subarray(8, 24));
    dst = v6(ip.subarray(24, 40));
    udp = ip.subarray(40, 40 + ip.readUInt16BE(4));
  } else return undefined;
  if (udp.length < 8) return undefined;
  return { src, srcPort: udp.readUInt16BE(0), dst, dstPort: udp.readUInt16BE(2), payload: Buffer.from(udp.subarray(8, udp.readUInt16BE(4))) };
}

function v6(b: Buffer): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i).toString(16));
  return groups.join(":");
}
