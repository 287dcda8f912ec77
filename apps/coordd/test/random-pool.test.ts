// The pooled random source: right lengths, never the same bytes twice
// (across refills too), and requests larger than the pool still served.
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomPool } from "../src/entropy/random-pool.js";

test("random pool hands out each byte once, across refills and for oversized requests", () => {
  const random = randomPool();
  const seen = new Set<string>();
  for (let i = 0; i < 2000; i++) {
    const n = [8, 32, 3000, 5000][i % 4] ?? 8;
    const b = random(n);
    assert.equal(b.length, n);
    const hex = Buffer.from(b).toString("hex");
    assert.ok(!seen.has(hex), `repeated ${n} bytes at ${i}`);
    seen.add(hex);
    // Not all zero: the pool was filled before use (2^-64 chance for 8 bytes).
    assert.ok(b.some((x) => x !== 0));
  }
  // A slice is a copy: changing it does not change what comes next.
  const a = random(16);
  a.fill(0);
  assert.ok(random(16).some((x) => x !== 0));
});
