// The §6.6 timers under a deterministic clock: retransmits and give-up,
// passive keepalive, new handshake after silence, persistent keepalive,
// rekey/reject by age, the last-minute rekey and zeroing at 540 s.
import { test } from "node:test";
import assert from "node:assert/strict";
import { pair, ipv4 } from "./core-harness.js";
import type { Peer } from "../src/core/peer.js";
import { REJECT_AFTER_MESSAGES, REKEY_AFTER_MESSAGES } from "../src/noise/keypair.js";

test("retransmit: 1 initiation + 19 retries 5 s + jitter apart, then give up and drop staged packets", () => {
  const { net, a, b } = pair();
  net.filter = (d) => d.from.address !== "192.0.2.1"; // a's packets are lost
  a.core.handleTunPackets([ipv4("10.0.0.1", "10.0.0.2", 8)]);
  net.pump();
  net.advance(200_000);
  const times = net.sentBy(a, 1).map((d) => d.at);
  assert.equal(times.length, 20);
  for (let i = 1; i < times.length; i++) {
    const gap = (times[i] ?? 0) - (times[i - 1] ?? 0);
    assert.ok(gap >= 5_000 && gap < 5_334, `gap ${i} = ${gap}`);
  }
  assert.equal(new Set(times.map((t) => t - Math.floor(t / 5000) * 5000)).size > 1, true, "jitter varies");
  assert.equal(a.core.stats.tx_handshake_timeout, 1, "the staged packet was dropped on give-up");
  assert.equal(b.delivered.length, 0);
});

test("after giving up the peer goes quiet: nextDeadline() becomes null once zero-key fires", () => {
  const { net, a } = pair();
  net.filter = () => false;
  a.core.handleTunPackets([ipv4("10.0.0.1", "10.0.0.2", 8)]);
  net.pump();
  net.advance(110_000);
  assert.notEqual(a.core.nextDeadline(), null, "zero-key timer armed after give-up");
  net.advance(540_000);
  assert.equal(a.core.nextDeadline(), null);
});

test("passive keepalive 10 s after receiving data with nothing to send back", () => {
  const { net, a, b } = pair();
  a.sendTo(b, 8);
  const t0 = net.clock.t;
  net.advance(9_999);
  assert.equal(net.sentBy(b, 4).length, 0);
  net.advance(1);
  const ka = net.sentBy(b, 4);
  assert.equal(ka.length, 1);
  assert.equal(ka[0]?.data.length, 32);
  assert.equal(ka[0]?.at, t0 + 10_000);
});

test("no keepalive when data goes back within 10 s", () => {
  const { net, a, b } = pair();
  a.sendTo(b, 8);
  net.advance(3_000);
  b.sendTo(a, 8);
  net.advance(30_000);
  assert.equal(net.sentBy(b, 4).filter((d) => d.data.length === 32).length, 0);
});

test("new handshake 15 s (+ jitter) after sending data and hearing nothing", () => {
  const { net, a, b } = pair();
  a.sendTo(b, 8);
  const sentAt = net.clock.t;
  net.filter = (d) => d.from.address !== "192.0.2.2"; // b goes silent
  net.advance(1_000);
  a.sendTo(b, 8);
  net.advance(17_000);
  const inits = net.sentBy(a, 1);
  assert.equal(inits.length, 2);
  const at = inits[1]?.at ?? 0;
  assert.ok(at >= sentAt + 15_000 && at < sentAt + 15_334, `new handshake at ${at - sentAt}`);
});

test("idle tunnel stays silent: no new handshake when nothing is sent", () => {
  const { net, a, b } = pair();
  a.sendTo(b, 8);
  b.sendTo(a, 8);
  net.advance(600_000);
  assert.equal(net.sentBy(a, 1).length, 1);
  assert.equal(net.sentBy(b, 1).length, 0);
  assert.equal(a.core.nextDeadline(), null);
  assert.equal(b.core.nextDeadline(), null);
});

test("persistent keepalive: immediate when switched on, then every interval; also on up()", () => {
  const { net, a, b } = pair();
  a.sendTo(b, 8);
  b.sendTo(a, 8);
  const t0 = net.clock.t;
  a.core.setPeerPersistentKeepalive(b.publicKey, 25);
  net.pump();
  let kas = net.sentBy(a, 4).filter((d) => d.data.length === 32);
  assert.equal(kas.length, 1, "one keepalive at once");
  assert.equal(kas[0]?.at, t0);
  net.advance(60_000);
  kas = net.sentBy(a, 4).filter((d) => d.data.length === 32);
  assert.deepEqual(kas.map((d) => d.at - t0), [0, 25_000, 50_000]);

  a.core.setPeerPersistentKeepalive(b.publicKey, 0);
  net.advance(60_000);
  assert.equal(net.sentBy(a, 4).filter((d) => d.data.length === 32).length, 3, "off means off");

  a.core.down();
  a.core.setPeerPersistentKeepalive(b.publicKey, 10);
  net.pump();
  const before = net.sentBy(a).length;
  assert.equal(a.core.nextDeadline(), null, "down: no timers");
  a.core.up();
  net.pump();
  assert.ok(net.sentBy(a).length > before, "up() sends at once for a persistent-keepalive peer");
});

test("rekey after 120 s is the initiator's job only", () => {
  const { net, a, b } = pair();
  a.sendTo(b, 8);
  net.advance(121_000);
  b.sendTo(a, 8);
  assert.equal(net.sentBy(b, 1).length, 0, "responder does not rekey on age");
  assert.equal(a.delivered.length, 1);
  a.sendTo(b, 8);
  assert.equal(net.sentBy(a, 1).length, 2, "initiator rekeys when sending on a keypair older than 120 s");
  assert.equal(b.delivered.length, 2, "data still flowed on the old keypair");
});

test("last-minute rekey: the initiator receiving on a keypair older than 165 s starts a handshake once", () => {
  const { net, a, b } = pair();
  a.sendTo(b, 8);
  net.advance(164_000);
  b.sendTo(a, 8);
  assert.equal(net.sentBy(a, 1).length, 1);
  net.advance(2_000);
  b.sendTo(a, 8);
  assert.equal(net.sentBy(a, 1).length, 2);
});

test("reject after 180 s: an old keypair neither sends nor receives", () => {
  const { net, a, b } = pair();
  a.sendTo(b, 8);
  let hold = true;
  const held: typeof net.log = [];
  net.filter = (d) => {
    if (hold && d.data[0] === 4) {
      held.push(d);
      return false;
    }
    return true;
  };
  a.sendTo(b, 8);
  hold = false;
  net.filter = () => false;
  net.advance(180_000);
  const old = held[0];
  assert.ok(old);
  net.inject(b, old.data, old.from);
  assert.equal(b.core.stats.rx_expired_keypair, 1);
  const transportBefore = net.sentBy(a, 4).length;
  const initiationsBefore = net.sentBy(a, 1).length;
  a.core.handleTunPackets([ipv4("10.0.0.1", "10.0.0.2", 8)]);
  net.pump();
  assert.equal(net.sentBy(a, 4).length, transportBefore, "no transport on an expired keypair");
  assert.equal(net.sentBy(a, 1).length, initiationsBefore + 1, "a handshake instead");
});

test("keys are zeroed 540 s after the last session was derived", () => {
  const { net, a, b } = pair();
  a.sendTo(b, 8);
  const msg = net.sentBy(a, 4)[0];
  assert.ok(msg);
  net.advance(540_000);
  assert.equal(a.core.nextDeadline(), null);
  assert.equal(b.core.nextDeadline(), null);
  net.inject(b, msg.data, msg.from);
  assert.equal(b.core.stats.rx_unknown_index, 1, "the keypair's index is gone");
});

test("packets staged while waiting for a session: at most 128, oldest dropped", () => {
  const { net, a, b } = pair();
  net.filter = (d) => d.data[0] !== 2; // hold the first handshake back
  const packets = Array.from({ length: 130 }, (_, i) => ipv4("10.0.0.1", "10.0.0.2", i));
  a.core.handleTunPackets(packets);
  net.pump();
  assert.equal(a.core.stats.tx_staged_overflow, 2);
  net.filter = () => true;
  net.advance(6_000);
  assert.equal(b.delivered.length, 128);
  assert.equal(b.delivered[0]?.length, 20 + 2, "the two oldest were dropped");
  assert.equal(b.delivered[127]?.length, 20 + 129, "order preserved");
});

test("with a session, a TUN batch larger than the staging queue goes out whole and in order (a TSO read is ~45 packets)", () => {
  const { net, a, b } = pair();
  a.sendTo(b, 8); // session up
  const before = b.delivered.length;
  const packets = Array.from({ length: 300 }, (_, i) => ipv4("10.0.0.1", "10.0.0.2", i));
  a.core.handleTunPackets(packets);
  net.pump();
  assert.equal(a.core.stats.tx_staged_overflow ?? 0, 0);
  const got = b.delivered.slice(before);
  assert.equal(got.length, 300);
  assert.deepEqual(
    got.map((p) => p.length),
    packets.map((p) => p.length),
    "order preserved",
  );
});

test("the responder does not rekey on receive, however old its keypair", () => {
  const { net, a, b } = pair();
  a.sendTo(b, 8);
  net.filter = (d) => d.data[0] !== 4;
  a.sendTo(b, 8); // held in flight
  const late = net.sentBy(a, 4)[1];
  assert.ok(late);
  net.filter = () => true;
  net.advance(170_000);
  const initiationsBefore = net.sentBy(a, 1).length;
  net.inject(b, late.data, late.from);
  assert.equal(b.delivered.length, 2, "accepted: younger than REJECT_AFTER_TIME");
  assert.equal(net.sentBy(b, 1).length, 0);
  assert.equal(net.sentBy(a, 1).length, initiationsBefore);
});

/** White-box access to a peer's live state: 2^60 messages cannot be sent in a test. */
function peerState(core: unknown, publicKey: Uint8Array): Peer {
  const p = (core as { peersByKey: Map<string, Peer> }).peersByKey.get(Buffer.from(publicKey).toString("hex"));
  assert.ok(p);
  return p;
}

test("message-count limits: past 2^60 even the responder rekeys; at REJECT_AFTER_MESSAGES a keypair stops sending", () => {
  const { net, a, b } = pair();
  a.sendTo(b, 8);
  b.sendTo(a, 8);
  const bCurrent = peerState(b.core, a.publicKey).current;
  assert.ok(bCurrent);
  bCurrent.sendCounter = REKEY_AFTER_MESSAGES + 1n;
  net.advance(6_000);
  b.sendTo(a, 8);
  assert.equal(net.sentBy(b, 1).length, 1, "responder initiated on the counter");
  assert.equal(a.delivered.length, 2, "the packet itself still went out");

  net.advance(6_000);
  const aCurrent = peerState(a.core, b.publicKey).current;
  assert.ok(aCurrent);
  aCurrent.sendCounter = REJECT_AFTER_MESSAGES - 1n;
  const initiations = net.sentBy(a, 1).length;
  const delivered = b.delivered.length;
  net.filter = (d) => d.data[0] !== 2; // keep the new handshake from completing
  a.core.handleTunPackets([ipv4("10.0.0.1", "10.0.0.2", 1), ipv4("10.0.0.1", "10.0.0.2", 2)]);
  net.pump();
  assert.equal(b.delivered.length, delivered + 1, "the last usable counter was used");
  assert.equal(net.sentBy(a, 1).length, initiations + 1, "then a handshake, with the second packet staged");
  net.filter = () => true;
  net.advance(6_000);
  assert.equal(b.delivered.length, delivered + 2, "the staged packet went out on the new session");
});

test("after a rekey the previous keypair still receives; one rekey later it is gone", () => {
  const { net, a, b } = pair();
  a.sendTo(b, 8);
  let hold = true;
  const held: typeof net.log = [];
  net.filter = (d) => {
    if (hold && d.data[0] === 4 && d.from.address === "192.0.2.1") {
      held.push(d);
      return false;
    }
    return true;
  };
  a.sendTo(b, 8); // sealed with keypair 1, delayed in the network
  hold = false;
  net.advance(121_000);
  a.sendTo(b, 8); // triggers rekey: keypair 2
  assert.equal(net.sentBy(a, 1).length, 2);
  const late = held[0];
  assert.ok(late);
  const delivered = b.delivered.length;
  net.inject(b, late.data, late.from);
  assert.equal(b.delivered.length, delivered + 1, "keypair 1 is b's previous and still opens");
  net.advance(121_000);
  a.sendTo(b, 8); // keypair 3
  assert.equal(net.sentBy(a, 1).length, 3);
  const again = Uint8Array.from(late.data);
  new DataView(again.buffer).setBigUint64(8, 99n, true); // a fresh counter; the index is what matters
  net.inject(b, again, late.from);
  assert.equal(b.core.stats.rx_unknown_index, 1, "keypair 1 was dropped from the index table");
});
