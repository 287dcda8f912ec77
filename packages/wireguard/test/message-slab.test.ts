// MessageSlab hands out zeroed, never-shared regions: the send path seals into
// them without zeroing (padding must be zero) and other code may still hold
// earlier messages, so no region may ever be handed out twice.
import { test } from "node:test";
import assert from "node:assert/strict";
import { MessageSlab } from "../src/core/message-slab.js";

test("regions are zeroed, disjoint, and covered by dataView, across chunk boundaries", () => {
  const slab = new MessageSlab();
  const taken: Uint8Array[] = [];
  let marker = 1;
  // ~600 KiB in odd sizes: several chunks, each region written once it is taken.
  for (let i = 0; i < 600; i++) {
    const size = 32 + ((i * 7919) % 2000);
    const region = slab.take(size);
    assert.equal(region.length, size);
    assert.ok(region.every((b) => b === 0), `region ${i} is zeroed`);
    assert.equal(slab.dataView.buffer, region.buffer, "dataView covers the region's buffer");
    slab.dataView.setUint8(region.byteOffset + size - 1, marker & 0xff || 1);
    region.fill(marker & 0xff || 1);
    taken.push(region);
    marker++;
  }
  // Nothing written later reached an earlier region.
  taken.forEach((region, i) => {
    const value = (i + 1) & 0xff || 1;
    assert.ok(region.every((b) => b === value), `region ${i} still holds only its own bytes`);
  });
  assert.ok(new Set(taken.map((r) => r.buffer)).size > 1, "more than one chunk was used");
});

test("a request larger than a chunk gets its own allocation", () => {
  const slab = new MessageSlab();
  const small = slab.take(100);
  const big = slab.take(1024 * 1024);
  assert.equal(big.length, 1024 * 1024);
  assert.equal(big.byteOffset, 0);
  assert.notEqual(big.buffer, small.buffer);
  assert.equal(slab.dataView.buffer, big.buffer);
  const after = slab.take(64);
  assert.notEqual(after.buffer, big.buffer);
  assert.ok(after.every((b) => b === 0));
});
