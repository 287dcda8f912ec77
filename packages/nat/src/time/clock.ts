// Time and randomness are injected so the protocol cores can be driven with a
// fake clock in tests and the real one at the edges.
import { randomBytes } from "node:crypto";

export interface Clock {
  /** Milliseconds on a monotonic scale; only differences are meaningful. */
  now(): number;
}

export type RandomSource = (length: number) => Uint8Array;

export const systemClock: Clock = { now: () => performance.now() };

export const systemRandom: RandomSource = (length) => new Uint8Array(randomBytes(length));

/** A uniform float in [0, 1) drawn from the injected source (for RFC 6887 jitter). */
export function randomUnit(random: RandomSource): number {
  const b = random(4);
  return (((b[0] ?? 0) << 24) >>> 0 | ((b[1] ?? 0) << 16) | ((b[2] ?? 0) << 8) | (b[3] ?? 0)) / 2 ** 32;
}
