// Keypair rotation rules of §6.3 on a real Peer and IndexTable.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Peer } from "../src/core/peer.js";
import { IndexTable } from "../src/core/index-table.js";
import { Keypair, REJECT_AFTER_MESSAGES } from "../src/noise/keypair.js";
import { openTransport, sealTransport } from "../src/noise/transport.js";

/** Deterministic, distinct 4-byte indices: a counter is enough here. */
function seededRandom(_seed: string): (n: number) => Uint8Array {
  let i = 1;
  return (n) => {
    const out = new Uint8Array(n);
    new DataView(out.buffer).setUint32(0, i++, true);
    return out;
  };
}

function setup(): { peer: Peer; table: IndexTable<Peer>; make: (isInitiator: boolean) => Keypair } {
  const table = new IndexTable<Peer>(seededRandom("rotation"));
  const peer = new Peer(new Uint8Array(32).fill(1));
  const make = (isInitiator: boolean): Keypair => {
    const index = table.newHandshakeIndex(peer);
    const kp = new Keypair({ send: new Uint8Array(32), receive: new Uint8Array(32) }, isInitiator, 0, index, 0, { checkHalves: () => true });
    table.convertToKeypair(index, kp);
    return kp;
  };
  return { peer, table, make };
}

test("initiator: current becomes previous, the old previous is dropped", () => {
  const { peer, table, make } = setup();
  const k1 = make(true);
  const k2 = make(true);
  const k3 = make(true);
  peer.installAsInitiator(k1, table);
  peer.installAsInitiator(k2, table);
  assert.equal(peer.current, k2);
  assert.equal(peer.previous, k1);
  peer.installAsInitiator(k3, table);
  assert.equal(peer.previous, k2);
  assert.equal(table.lookupKeypair(k1.localIndex), undefined, "dropped keypairs leave the index table");
  assert.equal(table.lookupKeypair(k2.localIndex)?.keypair, k2);
  assert.equal(table.size, 2);
});

test("responder: parked in next, previous dropped, current kept until confirmation", () => {
  const { peer, table, make } = setup();
  const k1 = make(true);
  const k0 = make(true);
  peer.installAsInitiator(k0, table);
  peer.installAsInitiator(k1, table);
  const r = make(false);
  peer.installAsResponder(r, table);
  assert.equal(peer.current, k1, "still sending on the old current");
  assert.equal(peer.next, r);
  assert.equal(peer.previous, null);
  assert.equal(table.lookupKeypair(k0.localIndex), undefined);
  assert.equal(peer.confirm(k1, table), false, "only next can be confirmed");
  assert.equal(peer.confirm(r, table), true);
  assert.equal(peer.current, r);
  assert.equal(peer.previous, k1);
  assert.equal(peer.next, null);
});

test("a second response before confirmation replaces next; an initiator session then takes over next as previous", () => {
  const { peer, table, make } = setup();
  const cur = make(true);
  peer.installAsInitiator(cur, table);
  const r1 = make(false);
  const r2 = make(false);
  peer.installAsResponder(r1, table);
  peer.installAsResponder(r2, table);
  assert.equal(table.lookupKeypair(r1.localIndex), undefined);
  const i = make(true);
  peer.installAsInitiator(i, table);
  assert.equal(peer.current, i);
  assert.equal(peer.previous, r2, "next becomes previous");
  assert.equal(peer.next, null);
  assert.equal(table.lookupKeypair(cur.localIndex), undefined, "the old current is dropped");
});

test("zeroKeys empties the slots and the table", () => {
  const { peer, table, make } = setup();
  peer.installAsInitiator(make(true), table);
  peer.installAsInitiator(make(true), table);
  peer.installAsResponder(make(false), table);
  const current = peer.current;
  assert.ok(current);
  // Before: the session's keys work in both directions (send and receive keys are equal here).
  const before = sealTransport(current.sendKey, 1, 5n, Uint8Array.of(0x45), 1420);
  assert.ok(openTransport(current.receiveKey, before.slice()));
  peer.zeroKeys(table);
  assert.equal(table.size, 0);
  assert.equal(peer.current, null);
  // After: the OpenSSL key state is gone now, not at the next GC.
  assert.throws(() => sealTransport(current.sendKey, 1, 6n, Uint8Array.of(0x45), 1420));
  assert.equal(openTransport(current.receiveKey, before.slice()), null);
  assert.equal(current.sendCounter, REJECT_AFTER_MESSAGES);
});

test("index table: handshake lookups never match keypairs and vice versa", () => {
  const table = new IndexTable<string>(seededRandom("idx"));
  const h = table.newHandshakeIndex("p");
  assert.equal(table.lookupHandshake(h), "p");
  assert.equal(table.lookupKeypair(h), undefined);
  const kp = new Keypair({ send: new Uint8Array(32), receive: new Uint8Array(32) }, true, 0, h, 0, { checkHalves: () => true });
  table.convertToKeypair(h, kp);
  assert.equal(table.lookupHandshake(h), undefined);
  assert.equal(table.lookupKeypair(h)?.keypair, kp);
  assert.equal(table.lookupAny(h), "p");
  table.deleteHandshake(h);
  assert.equal(table.lookupAny(h), "p", "deleting a handshake index never removes a keypair");
  // Uniqueness under a colliding random source.
  const stuck = new IndexTable<string>(() => Uint8Array.of(1, 0, 0, 0));
  stuck.newHandshakeIndex("x");
  let calls = 0;
  const varied = new IndexTable<string>((n) => Uint8Array.from({ length: n }, () => (calls++ < 4 ? 1 : 2)));
  const first = varied.newHandshakeIndex("x");
  assert.equal(first, 0x01010101);
  assert.notEqual(varied.newHandshakeIndex("y"), first);
});
