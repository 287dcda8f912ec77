// TAI64N timestamps for handshake initiations (§1). The low 24 bits of the
// nanoseconds are zeroed so the timestamp does not leak a precise clock, and
// the generator never repeats or goes backwards: a responder keeps the
// greatest timestamp it ever saw from us and rejects anything not above it.
export const TAI64N_LENGTH = 12;
const TAI64_BASE = 0x400000000000000an;
const WHITEN_MASK = 0xffffffn;
const STEP = 0x1000000n;
const NS_PER_SEC = 1_000_000_000n;

export function encodeTai64n(sec: bigint, nsec: number): Uint8Array {
  const out = Buffer.alloc(TAI64N_LENGTH);
  out.writeBigUInt64BE(TAI64_BASE + sec, 0);
  out.writeUInt32BE(nsec >>> 0, 8);
  return new Uint8Array(out.buffer, out.byteOffset, TAI64N_LENGTH);
}

/** Unsigned big-endian comparison of two 12-byte timestamps. */
export function compareTai64n(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < TAI64N_LENGTH; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export class Tai64nGenerator {
  private last = -1n;

  constructor(private readonly wall: () => { sec: number; nsec: number }) {}

  now(): Uint8Array {
    const w = this.wall();
    let total = BigInt(Math.floor(w.sec)) * NS_PER_SEC + (BigInt(Math.floor(w.nsec)) & ~WHITEN_MASK);
    // A whitened step (16.8 ms) keeps the output on the same grid the clock would produce.
    if (total <= this.last) total = this.last + STEP;
    this.last = total;
    return encodeTai64n(total / NS_PER_SEC, Number(total % NS_PER_SEC));
  }
}
