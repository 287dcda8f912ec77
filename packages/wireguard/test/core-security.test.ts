// Hostile and broken input against a real DeviceCore: the cookie path under
// load, forged and replayed packets, the allowed-IPs source check, garbage,
// and private-key changes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseEndpoint, formatEndpoint } from "../src/net/address.js";
import { writeMacs, mac1Key } from "../src/noise/macs.js";
import { pair, ipv4, seededRandom, hexOf } from "./core-harness.js";

const ATTACKER = parseEndpoint("198.51.100.7:4444");

/** Initiations with a valid mac1 and garbage inside: what puts a responder under load. */
function flood(target: { core: { handleDatagram(d: Uint8Array, f: typeof ATTACKER): void } }, targetPublic: Uint8Array, count: number, seed: string): void {
  const rnd = seededRandom(seed);
  for (let i = 0; i < count; i++) {
    const m = rnd(148);
    m.set([1, 0, 0, 0], 0);
    writeMacs(m, mac1Key(targetPublic), null);
    target.core.handleDatagram(m, ATTACKER);
  }
}

test("under load: cookie reply, initiator stores it, the retransmit carries mac2 and is accepted", () => {
  const { net, a, b } = pair();
  flood(b, b.publicKey, 150, "flood1");
  assert.ok((b.core.stats.rx_cookie_sent ?? 0) > 0, "b went under load and answered the flood with cookies");
  const cookiesToFlood = b.core.stats.rx_cookie_sent ?? 0;
  const repliesToAttacker = net.log.filter((d) => d.data[0] === 3 && d.to.address === ATTACKER.address);
  assert.ok(repliesToAttacker.every((d) => d.data.length === 64), "never a reply larger than the 148-byte input");

  a.core.handleTunPackets([ipv4("10.0.0.1", "10.0.0.2", 8)]);
  net.pump();
  assert.equal(b.core.stats.rx_cookie_sent, cookiesToFlood + 1, "a's initiation without mac2 got a cookie reply");
  assert.equal(net.sentBy(b, 2).length, 0);
  assert.equal(a.core.stats.rx_bad_cookie, 0);
  assert.equal(net.sentBy(a, 1).length, 1, "no immediate resend after a cookie reply");

  net.advance(4_900);
  flood(b, b.publicKey, 150, "flood2"); // still under load when the retransmit comes
  net.advance(1_000);
  const inits = net.sentBy(a, 1);
  assert.equal(inits.length, 2);
  assert.notEqual(hexOf(inits[1]?.data.subarray(132) ?? new Uint8Array()), "0".repeat(32), "the retransmit carries mac2");
  assert.equal(net.sentBy(b, 2).length, 1, "accepted while under load");
  assert.equal(b.delivered.length, 1);
});

test("a forged or replayed transport packet never moves the endpoint; an authenticated one does", () => {
  const { net, a, b } = pair();
  a.sendTo(b, 8);
  const genuine = net.sentBy(a, 4)[0];
  assert.ok(genuine);
  const forger = parseEndpoint("203.0.113.66:1234");
  const forged = Uint8Array.from(genuine.data);
  forged[40] = (forged[40] ?? 0) ^ 0xff;
  net.inject(b, forged, forger);
  net.inject(b, genuine.data, forger);
  assert.equal(b.core.stats.rx_decrypt_failed, 1);
  assert.equal(b.core.stats.rx_replay, 1);
  assert.equal(formatEndpoint(b.peerOf(a).endpoint ?? forger), "192.0.2.1:51820");
  // a roams: its next authenticated packet teaches b the new address.
  a.endpoint = parseEndpoint("198.51.100.1:40000");
  a.sendTo(b, 8);
  assert.equal(formatEndpoint(b.peerOf(a).endpoint ?? forger), "198.51.100.1:40000");
  b.sendTo(a, 8);
  assert.equal(a.delivered.length, 1, "b now answers at the new address");
});

test("allowed-IPs source check drops a packet from outside the peer's range, after updating the endpoint", () => {
  const { net, a, b } = pair();
  a.sendTo(b, 8);
  a.endpoint = parseEndpoint("198.51.100.1:40001");
  a.sendTo(b, 8, "10.9.9.9");
  assert.equal(b.core.stats.rx_source_check, 1);
  assert.equal(b.delivered.length, 1);
  assert.equal(formatEndpoint(b.peerOf(a).endpoint ?? a.endpoint), "198.51.100.1:40001");
  assert.equal(net.sentBy(b).length > 0, true);
});

test("send side: no route and no endpoint are counted drops", () => {
  const { net, a, b } = pair({ bKnowsEndpoint: false });
  a.core.handleTunPackets([ipv4("10.0.0.1", "10.0.0.99", 8), Uint8Array.of(0x45, 0), new Uint8Array(0)]);
  assert.equal(a.core.stats.tx_no_route, 1);
  assert.equal(a.core.stats.tx_malformed, 2);
  b.core.handleTunPackets([ipv4("10.0.0.2", "10.0.0.1", 8)]);
  assert.equal(b.core.stats.tx_no_endpoint, 1);
  net.pump();
  assert.equal(net.log.length, 0);
});

test("garbage never throws, never gets a reply, and each datagram increments exactly one counter", () => {
  const { net, a, b } = pair();
  a.sendTo(b, 8);
  const sentBefore = net.sentBy(b).length;
  const total = (): number => Object.values(b.core.stats).reduce((x, y) => x + y, 0);
  const before = total();
  const rnd = seededRandom("garbage");
  let count = 0;
  for (let len = 0; len < 200; len++) {
    for (const type of [0, 1, 2, 3, 4, 5, 0x41]) {
      const d = rnd(len);
      if (len > 0) d[0] = type;
      if (len > 3 && len % 3 === 0) d.fill(0, 1, 4);
      b.core.handleDatagram(d, ATTACKER);
      count++;
    }
  }
  // A transport header aimed at a live index, with a bad tag.
  const live = net.sentBy(a, 4)[0];
  assert.ok(live);
  const bad = Uint8Array.from(live.data);
  bad[bad.length - 1] = (bad[bad.length - 1] ?? 0) ^ 1;
  b.core.handleDatagram(bad, ATTACKER);
  count++;
  net.pump();
  assert.equal(total() - before, count);
  assert.equal(net.sentBy(b).length, sentBefore, "silence");
  assert.equal(formatEndpoint(b.peerOf(a).endpoint ?? ATTACKER), "192.0.2.1:51820");
});

test("private key changes: same key is a no-op; a new key forces a new handshake; a key equal to a peer's removes it", () => {
  const { net, a, b } = pair();
  a.sendTo(b, 8);
  b.core.setPrivateKey(b.privateKey);
  b.sendTo(a, 8);
  assert.equal(a.delivered.length, 1, "same key: session kept");
  const other = new Uint8Array(32).fill(7);
  b.core.setPrivateKey(other);
  assert.deepEqual(b.core.getPrivateKey(), Uint8Array.from([0, ...new Array<number>(30).fill(7), 0x47]));
  const transportBefore = net.sentBy(b, 4).length;
  b.sendTo(a, 8);
  assert.equal(net.sentBy(b, 4).length, transportBefore, "current keypair unusable for sending");
  assert.equal(net.sentBy(b, 1).length, 1, "a new handshake instead");
  assert.equal(a.core.stats.rx_unknown_peer, 1, "a does not know b's new identity");
  b.core.setPrivateKey(a.privateKey);
  assert.equal(b.core.hasPeer(a.publicKey), false);
  assert.equal(b.core.ensurePeer(a.publicKey), false, "our own public key is never a peer");
  b.core.setPrivateKey(null);
  assert.equal(b.core.getPrivateKey(), null);
});

test("peer removal frees its indices and routes", () => {
  const { net, a, b } = pair();
  a.sendTo(b, 8);
  const msg = net.sentBy(a, 4)[0];
  assert.ok(msg);
  b.core.removePeer(a.publicKey);
  net.inject(b, msg.data, msg.from);
  assert.equal(b.core.stats.rx_unknown_index, 1);
  b.core.handleTunPackets([ipv4("10.0.0.2", "10.0.0.1", 8)]);
  assert.equal(b.core.stats.tx_no_route, 1);
  assert.deepEqual(b.core.peers(), []);
});

test("a response refused under load gets a cookie that the responder stores on its keypair index; the retry succeeds", () => {
  const { net, a, b } = pair();
  flood(a, a.publicKey, 150, "flood-a1");
  a.core.handleTunPackets([ipv4("10.0.0.1", "10.0.0.2", 8)]);
  net.pump();
  assert.equal(net.sentBy(b, 2).length, 1, "b answered");
  const cookieToB = net.log.filter((d) => d.data[0] === 3 && d.to.address === "192.0.2.2");
  assert.equal(cookieToB.length, 1, "a, under load, answered b's mac2-less response with a cookie");
  assert.equal(b.core.stats.rx_bad_cookie, 0, "b found its (now keypair) index and opened the cookie");
  assert.equal(b.core.stats.rx_unknown_index, 0);
  net.advance(4_900);
  flood(a, a.publicKey, 150, "flood-a2");
  net.advance(1_000);
  const responses = net.sentBy(b, 2);
  assert.equal(responses.length, 2);
  assert.notEqual(hexOf(responses[1]?.data.subarray(76) ?? new Uint8Array()), "0".repeat(32), "second response carries mac2");
  assert.equal(b.delivered.length, 1, "session up despite the load");
});

test("a transport counter at REJECT_AFTER_MESSAGES is refused before any decryption", () => {
  const { net, a, b } = pair();
  a.sendTo(b, 8);
  const msg = Uint8Array.from(net.sentBy(a, 4)[0]?.data ?? new Uint8Array());
  new DataView(msg.buffer).setBigUint64(8, 0xffffffffffffffffn - 0x2000n, true);
  net.inject(b, msg, parseEndpoint("192.0.2.1:51820"));
  assert.equal(b.core.stats.rx_replay, 1);
  assert.equal(b.core.stats.rx_decrypt_failed, 0);
});

test("every single-bit flip of genuine handshake and transport messages is dropped quietly", () => {
  const { net, a, b } = pair();
  a.sendTo(b, 40);
  const genuine = [net.sentBy(a, 1)[0], net.sentBy(b, 2)[0], net.sentBy(a, 4)[0]];
  for (const g of genuine) {
    assert.ok(g);
    const target = g.data[0] === 2 ? a : b;
    const sentBefore = net.log.length;
    const deliveredBefore = target.delivered.length;
    const dropsBefore = Object.values(target.core.stats).reduce((x, y) => x + y, 0);
    let inputs = 0;
    for (let bit = 0; bit < g.data.length * 8; bit += 3) {
      const m = Uint8Array.from(g.data);
      m[bit >> 3] = (m[bit >> 3] ?? 0) ^ (1 << (bit & 7));
      target.core.handleDatagram(m, ATTACKER);
      inputs++;
    }
    const drops = Object.values(target.core.stats).reduce((x, y) => x + y, 0) - dropsBefore;
    assert.equal(drops, inputs, `type ${g.data[0]}: every mutation counted as one drop`);
    assert.equal(target.core.stats.rx_internal_error, 0);
    // Past 100 handshake messages a second the target is under load: the only
    // answers allowed are 64-byte cookie replies, smaller than what provoked them.
    const replies = net.log.slice(sentBefore);
    assert.ok(replies.every((d) => d.data[0] === 3 && d.data.length === 64 && d.to.address === ATTACKER.address), "only cookie replies");
    if (g.data[0] === 4) assert.equal(replies.length, 0, "transport garbage is never answered");
    assert.equal(target.delivered.length, deliveredBefore);
  }
  assert.equal(formatEndpoint(b.peerOf(a).endpoint ?? ATTACKER), "192.0.2.1:51820");
});
