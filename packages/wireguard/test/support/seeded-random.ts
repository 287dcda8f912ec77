// A deterministic stand-in for randomBytes: SHA-256 of "<seed>/<counter>"
// blocks, so a test's keys, indices and jitter are the same on every run and a
// failure can be replayed. For tests only; never for anything secret.
import { createHash } from "node:crypto";

export function seededRandom(seed: string): (n: number) => Uint8Array {
  let counter = 0;
  return (n) => {
    const out = new Uint8Array(n);
    for (let off = 0; off < n; off += 32) {
      const block = createHash("sha256").update(`${seed}/${counter++}`).digest();
      out.set(block.subarray(0, Math.min(32, n - off)), off);
    }
    return out;
  };
}
