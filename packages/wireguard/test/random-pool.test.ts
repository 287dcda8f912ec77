// The device's pooled randomness: right lengths, never the same bytes twice
// (across refills too), and requests larger than the pool still served.
import { test } from "node:test";
import assert from "node:assert/strict";
import { RandomPool } from "../src/device/random-pool.js";

test("random pool: each draw is fresh, across refills and for oversized requests", () => {
  const take = new RandomPool().take;
  const seen = new Set<string>();
  // 3 x 4096 bytes: crosses two refills.
  for (let i = 0; i < 384; i++) {
    const b = take(32);
    assert.equal(b.length, 32);
    const hex = Buffer.from(b).toString("hex");
    assert.ok(!seen.has(hex), "a 32-byte draw repeated");
    seen.add(hex);
  }
  // Draws are independent copies: changing one changes nothing later.
  const a = take(16);
  a.fill(0);
  assert.notDeepEqual(take(16), new Uint8Array(16));
  assert.equal(take(10_000).length, 10_000);
  assert.equal(take(0).length, 0);
  assert.equal(take(2).length, 2);
});
