// Pair: both ends of a real X25519 pair derive the same secrets and
// rendezvous ids, with opposite roles.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { EPOCH_SECONDS, generatePrivateKey, publicKeyFromPrivate } from "@plug/protocol";
import { Pair } from "../src/coordination/pair.js";

function key(label: string): { priv: Uint8Array; pub: Uint8Array } {
  const priv = generatePrivateKey((n) => new Uint8Array(createHash("sha256").update(label).digest().subarray(0, n)));
  return { priv, pub: publicKeyFromPrivate(priv) };
}

describe("Pair", () => {
  const a = key("alice");
  const b = key("bob");
  const ab = new Pair(b.pub, a.priv, a.pub, null);
  const ba = new Pair(a.pub, b.priv, b.pub, null);

  it("both sides derive one pair key and take opposite roles", () => {
    assert.deepEqual(ab.keys.pairKey, ba.keys.pairKey);
    assert.deepEqual(ab.keys.sealKey, ba.keys.sealKey);
    assert.deepEqual(ab.keys.probeKey, ba.keys.probeKey);
    assert.notEqual(ab.keys.role, ba.keys.role);
    assert.equal(ab.partnerRole, ba.keys.role);
    assert.equal(ba.partnerRole, ab.keys.role);
  });

  it("a preshared key changes every secret, and both sides must have it", () => {
    const psk = new Uint8Array(32).fill(9);
    const abPsk = new Pair(b.pub, a.priv, a.pub, psk);
    const baPsk = new Pair(a.pub, b.priv, b.pub, psk);
    assert.deepEqual(abPsk.keys.pairKey, baPsk.keys.pairKey);
    assert.notDeepEqual(abPsk.keys.pairKey, ab.keys.pairKey);
  });

  it("a third party's pair with either side is unrelated", () => {
    const c = key("carol");
    const ac = new Pair(c.pub, a.priv, a.pub, null);
    assert.notDeepEqual(ac.keys.pairKey, ab.keys.pairKey);
  });

  it("both sides hold the same rids, with role-specific slot tokens, and neighbours near an epoch boundary", () => {
    const mid = EPOCH_SECONDS * 1000 + EPOCH_SECONDS / 2;
    const x = ab.rendezvous(mid);
    const y = ba.rendezvous(mid);
    assert.equal(x.length, 1);
    assert.deepEqual(x.map((r) => r.ridHex), y.map((r) => r.ridHex));
    assert.equal(x[0]?.ridHex, Buffer.from(x[0]?.rid ?? []).toString("hex"));
    assert.notDeepEqual(x[0]?.slot, y[0]?.slot);
    const edge = ab.rendezvous(EPOCH_SECONDS * 1001 - 1);
    assert.equal(edge.length, 2);
    assert.deepEqual(edge.map((r) => r.epoch), [1000n, 1001n]);
    assert.equal(edge[0]?.ridHex, x[0]?.ridHex, "the current epoch's rid is the same");
    assert.notEqual(edge[1]?.ridHex, edge[0]?.ridHex);
  });
});
