// The demultiplexing rule for the one UDP socket a plug client uses for
// WireGuard, STUN and plug messages (docs/PROTOCOL.md §2). Only the first
// eight bytes are looked at; the classes are disjoint by construction.
import { PLUG_TYPE_MAX, PLUG_TYPE_MIN } from "./constants.js";

export type DatagramClass = "wireguard" | "stun" | "plug" | "unknown";

const STUN_MAGIC = 0x2112a442;

export function classifyDatagram(d: Uint8Array): DatagramClass {
  const b0 = d[0];
  if (b0 === undefined) return "unknown";
  if (b0 >= 1 && b0 <= 4 && d.length >= 4 && d[1] === 0 && d[2] === 0 && d[3] === 0) return "wireguard";
  if (b0 >= PLUG_TYPE_MIN && b0 <= PLUG_TYPE_MAX && d.length >= 4) return "plug";
  if ((b0 & 0xc0) === 0 && d.length >= 20) {
    const magic = (((d[4] ?? 0) << 24) | ((d[5] ?? 0) << 16) | ((d[6] ?? 0) << 8) | (d[7] ?? 0)) >>> 0;
    if (magic === STUN_MAGIC) return "stun";
  }
  return "unknown";
}
