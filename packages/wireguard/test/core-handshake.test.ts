// Two real DeviceCores over the in-memory lab: handshakes in both roles, data
// both ways, key confirmation, collisions, replayed initiations, byte counters.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ipv4, pair, hexOf } from "./core-harness.js";
import { parseIp, parsePrefix } from "../src/net/address.js";

test("handshake on first packet, then data both ways", () => {
  const { net, a, b } = pair();
  const ping = a.sendTo(b, 46);
  assert.equal(net.sentBy(a, 1).length, 1, "a initiated");
  assert.equal(net.sentBy(b, 2).length, 1, "b responded");
  assert.equal(b.delivered.length, 1);
  assert.equal(hexOf(b.delivered[0] ?? new Uint8Array()), hexOf(ping), "trimmed back to the IP length");
  const pong = b.sendTo(a, 10);
  assert.deepEqual(a.delivered, [pong]);
  assert.equal(net.sentBy(b, 1).length, 0, "the responder never initiated");
  assert.ok(a.peerOf(b).lastHandshake !== null);
  assert.ok(b.peerOf(a).lastHandshake !== null);
  assert.deepEqual(a.peerOf(b).lastHandshake, { sec: 1_700_000_000, nsec: 0 });
});

test("b can initiate too (roles are per handshake)", () => {
  const { net, a, b } = pair();
  b.sendTo(a, 20);
  assert.equal(net.sentBy(b, 1).length, 1);
  assert.equal(a.delivered.length, 1);
  a.sendTo(b, 20);
  assert.equal(b.delivered.length, 1);
});

test("rx/tx bytes count WireGuard payloads exactly as wireguard-go", () => {
  const { a, b } = pair();
  a.sendTo(b, 46); // 66-byte IPv4 packet, padded to 80
  assert.equal(b.peerOf(a).rxBytes, BigInt(148 + 16 + 80 + 16));
  assert.equal(b.peerOf(a).txBytes, 92n);
  assert.equal(a.peerOf(b).txBytes, BigInt(148 + 112));
  assert.equal(a.peerOf(b).rxBytes, 92n);
});

test("the responder holds data until the initiator confirms the new keys", () => {
  const { net, a, b } = pair();
  let holdConfirmation = true;
  const held: typeof net.log = [];
  net.filter = (d) => {
    if (holdConfirmation && d.data[0] === 4 && d.from.address === "192.0.2.1") {
      held.push(d);
      return false;
    }
    return true;
  };
  a.sendTo(b, 20);
  assert.equal(held.length, 1, "a sent its confirmation (the staged data)");
  const before = net.sentBy(b, 4).length;
  b.sendTo(a, 20);
  assert.equal(net.sentBy(b, 4).length, before, "b sent no transport data on an unconfirmed keypair");
  assert.equal(net.sentBy(b, 1).length, 0, "nor did it start its own handshake within REKEY_TIMEOUT of responding");
  holdConfirmation = false;
  const c = held[0];
  assert.ok(c);
  net.inject(b, c.data, c.from);
  assert.equal(b.delivered.length, 1, "confirmation delivered");
  assert.equal(a.delivered.length, 1, "and b's staged packet flushed at once");
});

test("initiator sends a keepalive as confirmation when it has nothing queued", () => {
  const { net, a, b } = pair();
  a.core.setPeerPersistentKeepalive(b.publicKey, 25); // immediate keepalive -> handshake
  net.pump();
  const aTransport = net.sentBy(a, 4);
  assert.equal(aTransport.length, 1);
  assert.equal(aTransport[0]?.data.length, 32, "a bare keepalive");
  assert.ok(b.peerOf(a).lastHandshake !== null, "b completed on the keepalive");
});

test("handshake collision resolves through the jittered retransmits", () => {
  const { net, a, b } = pair();
  a.core.handleTunPackets([ipv4("10.0.0.1", "10.0.0.2", 8)]);
  b.core.handleTunPackets([ipv4("10.0.0.2", "10.0.0.1", 8)]);
  net.pump();
  assert.equal(a.delivered.length + b.delivered.length, 0, "crossed initiations: both responses hit freed indices");
  assert.equal((a.core.stats.rx_unknown_index ?? 0) + (b.core.stats.rx_unknown_index ?? 0), 2);
  net.advance(6_000);
  assert.equal(a.delivered.length, 1);
  assert.equal(b.delivered.length, 1);
});

test("a replayed initiation is rejected and changes nothing", () => {
  const { net, a, b } = pair();
  a.sendTo(b, 8);
  const init = net.sentBy(a, 1)[0];
  assert.ok(init);
  const responses = net.sentBy(b, 2).length;
  net.advance(1_000);
  net.inject(b, init.data, init.from);
  assert.equal(b.core.stats.rx_handshake_replay, 1);
  assert.equal(net.sentBy(b, 2).length, responses, "no response to a replay");
  a.sendTo(b, 8);
  assert.equal(b.delivered.length, 2, "the session survives");
});

test("initiations closer than 20 ms are a flood even with fresh timestamps", () => {
  const { net, a, b } = pair();
  // A second device holding a's key: the only way to make two valid, fresh initiations 17 ms apart.
  const twin = net.add("twin", "192.0.2.3:51820", "10.0.0.1");
  twin.core.setPrivateKey(a.privateKey);
  twin.addPeer(b);
  twin.core.up();
  twin.core.handleTunPackets([ipv4("10.0.0.1", "10.0.0.2", 8)]);
  net.pump();
  assert.equal(b.core.stats.rx_handshake_flood, 0);
  net.clock.t += 17; // crosses a 2^24 ns whitening step, so the timestamp is newer
  a.core.handleTunPackets([ipv4("10.0.0.1", "10.0.0.2", 8)]);
  net.pump();
  assert.equal(b.core.stats.rx_handshake_flood, 1);
  assert.equal(b.core.stats.rx_handshake_replay, 0);
});

test("IPv6 inner packets route by destination and pass the source check", () => {
  const { net, a, b } = pair();
  a.core.addPeerAllowedIp(b.publicKey, parsePrefix("fd00::2/128"));
  b.core.addPeerAllowedIp(a.publicKey, parsePrefix("fd00::1/128"));
  const p = new Uint8Array(40 + 12);
  p[0] = 0x60;
  p[5] = 12;
  p[6] = 17;
  p.set(parseIp("fd00::1"), 8);
  p.set(parseIp("fd00::2"), 24);
  a.core.handleTunPackets([p]);
  net.pump();
  assert.deepEqual(b.delivered, [p]);
  const spoofed = Uint8Array.from(p);
  spoofed.set(parseIp("fd00::9"), 8);
  a.core.handleTunPackets([spoofed]);
  net.pump();
  assert.equal(b.delivered.length, 1);
  assert.equal(b.core.stats.rx_source_check, 1);
});

test("one TUN batch to several peers: each peer's packets go out in order, one handshake each", () => {
  const { net, a, b } = pair();
  const c = net.add("c", "192.0.2.3:51820", "10.0.0.3");
  a.addPeer(c);
  c.addPeer(a);
  c.core.up();
  const batch = [0, 1, 2, 3, 4, 5].map((i) => ipv4("10.0.0.1", i % 2 === 0 ? "10.0.0.2" : "10.0.0.3", 10 + i));
  a.core.handleTunPackets(batch);
  net.pump();
  assert.equal(net.sentBy(a, 1).length, 2);
  assert.deepEqual(b.delivered.map((x) => x.length), [30, 32, 34]);
  assert.deepEqual(c.delivered.map((x) => x.length), [31, 33, 35]);
  a.core.handleTunPackets(batch);
  net.pump();
  assert.equal(b.delivered.length + c.delivered.length, 12);
});

test("a responder without a configured endpoint learns it from the initiation and answers there", () => {
  const { net, a, b } = pair({ bKnowsEndpoint: false });
  assert.equal(b.peerOf(a).endpoint, null);
  a.sendTo(b, 8);
  assert.equal(b.delivered.length, 1);
  assert.equal(b.peerOf(a).endpoint?.address, "192.0.2.1");
  b.sendTo(a, 8);
  assert.equal(a.delivered.length, 1);
  assert.equal(net.sentBy(b, 2)[0]?.to.address, "192.0.2.1");
});
