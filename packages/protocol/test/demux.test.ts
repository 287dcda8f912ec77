import { test } from "node:test";
import assert from "node:assert/strict";
import { classifyDatagram, encodePing, encodeRelayFrame, encodeVersionMessage, PLUG_TYPE_MAX, PLUG_TYPE_MIN } from "../src/index.js";

const stunBinding = (): Uint8Array => {
  const d = new Uint8Array(20);
  d[1] = 0x01;
  d.set([0x21, 0x12, 0xa4, 0x42], 4);
  return d;
};

test("WireGuard, STUN and plug datagrams are told apart by their first bytes", () => {
  for (const t of [1, 2, 3, 4]) {
    const wg = new Uint8Array(148);
    wg[0] = t;
    wg.set([0x21, 0x12, 0xa4, 0x42], 4); // even a sender index that looks like the STUN cookie
    assert.equal(classifyDatagram(wg), "wireguard");
  }
  assert.equal(classifyDatagram(stunBinding()), "stun");
  assert.equal(classifyDatagram(encodeRelayFrame(new Uint8Array(8), new Uint8Array(32))), "plug");
  assert.equal(classifyDatagram(encodePing(new Uint8Array(32), 0, new Uint8Array(12))), "plug");
  assert.equal(classifyDatagram(encodeVersionMessage()), "plug");
});

test("every first byte maps to at most one class, and plug types cannot look like the others", () => {
  for (let b0 = 0; b0 < 256; b0++) {
    const d = new Uint8Array(20);
    d[0] = b0;
    d.set([0x21, 0x12, 0xa4, 0x42], 4);
    const c = classifyDatagram(d);
    if (b0 >= PLUG_TYPE_MIN && b0 <= PLUG_TYPE_MAX) assert.equal(c, "plug");
    else if (b0 >= 1 && b0 <= 4) assert.equal(c, "wireguard");
    else if (b0 < 0x40) assert.equal(c, "stun");
    else assert.equal(c, "unknown");
  }
  assert.equal(classifyDatagram(new Uint8Array(0)), "unknown");
  const noCookie = stunBinding();
  noCookie[4] = 0;
  assert.equal(classifyDatagram(noCookie), "unknown");
  const wgWithData = new Uint8Array(32);
  wgWithData[0] = 4;
  wgWithData[2] = 1;
  assert.equal(classifyDatagram(wgWithData), "unknown", "type 4 needs three zero bytes");
});
