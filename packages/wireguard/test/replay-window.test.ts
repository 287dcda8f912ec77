// The kernel's src/selftest/counter.c sequence (WIREGUARD.md §11.1), which
// wireguard-go ports as replay/replay_test.go, including its bulk loops that
// fill a whole window forwards and backwards.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { REJECT_AFTER_MESSAGES, REPLAY_WINDOW_SIZE, ReplayWindow } from "../src/replay/replay-window.js";

const W = BigInt(REPLAY_WINDOW_SIZE);
const L = W + 1n; // the selftest's T_LIM
const R = REJECT_AFTER_MESSAGES;

/** Feeds counters in order; reports the first step whose verdict differs. */
function run(window: ReplayWindow, steps: ReadonlyArray<readonly [bigint, boolean]>, label: string): void {
  steps.forEach(([counter, expected], i) => {
    assert.equal(window.check(counter), expected, `${label} step ${i + 1}: counter ${counter} should be ${expected ? "accepted" : "rejected"}`);
  });
}

function range(from: bigint, to: bigint): bigint[] {
  const out: bigint[] = [];
  if (from <= to) for (let i = from; i <= to; i++) out.push(i);
  else for (let i = from; i >= to; i--) out.push(i);
  return out;
}

const accept = (c: bigint): readonly [bigint, boolean] => [c, true];
const reject = (c: bigint): readonly [bigint, boolean] => [c, false];

describe("ReplayWindow", () => {
  it("has the kernel's constants", () => {
    assert.equal(REPLAY_WINDOW_SIZE, 8128);
    assert.equal(REJECT_AFTER_MESSAGES, 18446744073709543423n);
  });

  it("follows the counter.c known-answer sequence", () => {
    run(
      new ReplayWindow(),
      [
        accept(0n), accept(1n), reject(1n), accept(9n), accept(8n), accept(7n), reject(7n),
        accept(L), accept(L - 1n), reject(L - 1n), accept(L - 2n), accept(2n), reject(2n),
        accept(L + 16n), reject(3n), reject(L + 16n),
        accept(L * 4n), accept(L * 4n - (L - 1n)), reject(10n), reject(L * 4n - L), reject(L * 4n - (L + 1n)),
        accept(L * 4n - (L - 2n)), reject(L * 4n + 1n - L), reject(0n),
        reject(R), accept(R - 1n), reject(R), reject(R - 1n), accept(R - 2n),
        reject(R + 1n), reject(R + 2n), reject(R - 2n), accept(R - 3n), reject(0n),
      ],
      "sequence",
    );
  });

  it("bulk 1: a full window forwards, then 0 once", () => {
    run(new ReplayWindow(), [...range(1n, W).map(accept), accept(0n), reject(0n)], "bulk 1");
  });

  it("bulk 2: a full window forwards starting at 2, then 1; 0 has fallen out", () => {
    run(new ReplayWindow(), [...range(2n, W + 1n).map(accept), accept(1n), reject(0n)], "bulk 2");
  });

  it("bulk 3: a full window backwards", () => {
    run(new ReplayWindow(), range(W + 1n, 1n).map(accept), "bulk 3");
  });

  it("bulk 4: a full window backwards from W+2; 0 is too old", () => {
    run(new ReplayWindow(), [...range(W + 2n, 2n).map(accept), reject(0n)], "bulk 4");
  });

  it("bulk 5: backwards from W, then W+1 pushes 0 out", () => {
    run(new ReplayWindow(), [...range(W, 1n).map(accept), accept(W + 1n), reject(0n)], "bulk 5");
  });

  it("bulk 6: backwards from W, 0 still fits, then W+1", () => {
    run(new ReplayWindow(), [...range(W, 1n).map(accept), accept(0n), accept(W + 1n)], "bulk 6");
  });

  it("crosses 2^53 without losing precision or history", () => {
    const base = BigInt(Number.MAX_SAFE_INTEGER) - 5n;
    const w = new ReplayWindow();
    run(w, [accept(base), accept(base + 10n), reject(base), accept(base + 1n), reject(base + 10n), accept(base - W + 10n), reject(base - W + 9n)], "2^53");
  });

  it("forgets everything on reset", () => {
    const w = new ReplayWindow();
    run(w, [accept(0n), accept(R - 1n), reject(5n)], "before reset");
    w.reset();
    run(w, [accept(0n), accept(5n), reject(5n)], "after reset");
  });

  it("matches a set-based model over random traffic", () => {
    // Model: accepted iff below the limit, not seen, and at most W behind the highest accepted.
    let seed = 12345;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const w = new ReplayWindow();
    const seen = new Set<bigint>();
    let highest = 0n;
    for (let i = 0; i < 20000; i++) {
      const jump = rand(10) === 0 ? BigInt(rand(20000)) : BigInt(rand(300)) - 150n;
      let c = highest + jump;
      if (c < 0n) c = 0n;
      const expected = !seen.has(c) && highest - c <= W;
      assert.equal(w.check(c), expected, `random step ${i}: counter ${c}, highest ${highest}`);
      if (expected) {
        seen.add(c);
        if (c > highest) highest = c;
      }
    }
  });
});
