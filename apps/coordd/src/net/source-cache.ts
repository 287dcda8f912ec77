// The Source of an IPv4 datagram from its address record, without building
// address and id strings per datagram: Sources are immutable, so one object
// per (socket, address, port) serves every datagram of that path (the core
// keeps the same object in its slots, which also saves their memory). Two
// generations bound it: when the current map is full it becomes the previous
// one and a hit there is promoted, so a flood of one-off sources costs at
// most two maps and the paths in use survive.
import { udpSource, type Source } from "../core/types.js";

const GENERATION_SIZE = 65_536;

export class SourceCache {
  private current = new Map<number, Source>();
  private previous = new Map<number, Source>();

  /** addr = the 4 address bytes at records[at..at + 4). */
  ipv4(local: number, records: Uint8Array, at: number, port: number): Source {
    const a = records[at] ?? 0;
    const b = records[at + 1] ?? 0;
    const c = records[at + 2] ?? 0;
    const d = records[at + 3] ?? 0;
    // < 2^50: exact in a double. Socket index in the low 2 bits.
    const key = ((a * 16_777_216 + ((b << 16) | (c << 8) | d)) * 65_536 + port) * 4 + local;
    let s = this.current.get(key);
    if (s !== undefined) return s;
    s = this.previous.get(key);
    if (s === undefined) s = udpSource(local, { family: 4, address: `${a}.${b}.${c}.${d}`, port });
    if (this.current.size >= GENERATION_SIZE) {
      this.previous = this.current;
      this.current = new Map();
    }
    this.current.set(key, s);
    return s;
  }
}
