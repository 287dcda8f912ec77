// Deterministic datagram mutations for the hostile-input run: every datagram is
// reproducible from (seed, index), so a failure can be replayed exactly.

/** splitmix32: tiny, fast and good enough to spread mutations. */
export class Prng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    this.s = (this.s + 0x9e3779b9) >>> 0;
    let z = this.s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  }
  below(n: number): number {
    return this.next() % n;
  }
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.next() & 0xff;
    return out;
  }
}

export const MUTATIONS = [
  "truncate", "extend", "bitflip", "reserved", "header-garbage", "type-swap", "exact-length-garbage", "random", "empty",
] as const;
export type Mutation = (typeof MUTATIONS)[number];

const VALID_LENGTH: Record<number, number> = { 1: 148, 2: 92, 3: 64, 4: 32 };

/** One mutated datagram derived from `seed` (a valid message of some type). */
export function mutate(rng: Prng, seed: Uint8Array, kind: Mutation): Uint8Array {
  switch (kind) {
    case "truncate":
      return seed.slice(0, rng.below(seed.length));
    case "extend": {
      const out = new Uint8Array(seed.length + 1 + rng.below(64));
      out.set(seed);
      out.set(rng.bytes(out.length - seed.length), seed.length);
      return out;
    }
    case "bitflip": {
      const out = Uint8Array.from(seed);
      const flips = 1 + rng.below(8);
      for (let i = 0; i < flips; i++) {
        const bit = rng.below(out.length * 8);
        out[bit >> 3] = (out[bit >> 3] ?? 0) ^ (1 << (bit & 7));
      }
      return out;
    }
    case "reserved": {
      const out = Uint8Array.from(seed);
      const pos = 1 + rng.below(3);
      out[pos] = 1 + rng.below(255);
      return out;
    }
    case "header-garbage": {
      // The valid 4-byte header and length of the seed, everything after it random.
      const out = rng.bytes(seed.length);
      out.set(seed.subarray(0, 4));
      return out;
    }
    case "type-swap": {
      const out = Uint8Array.from(seed);
      out[0] = [0, 1, 2, 3, 4, 5, 0xff][rng.below(7)] ?? 0;
      return out;
    }
    case "exact-length-garbage": {
      // A well-formed header of a random type at exactly that type's length (or longer for data).
      const type = 1 + rng.below(4);
      const len = (VALID_LENGTH[type] ?? 32) + (type === 4 ? 16 * rng.below(90) : 0);
      const out = rng.bytes(len);
      out.set([type, 0, 0, 0]);
      return out;
    }
    case "random":
      return rng.bytes(rng.below(1500));
    case "empty":
      return new Uint8Array(0);
  }
}
