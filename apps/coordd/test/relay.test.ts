// The UDP relay between the two registrants of a rid, and its caps.
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { decodeRelayFrame, encodeRelayFrame, type Push } from "@plug/protocol";
import { DropReason } from "../src/index.js";
import { sampleBody, startTestServer, UdpTestClient } from "./support.js";

async function pair(port: number, pub: Uint8Array) {
  const a = await UdpTestClient.open(port, pub);
  const b = await UdpTestClient.open(port, pub);
  const rid = randomBytes(16);
  a.register(sampleBody(rid));
  await a.messages.next();
  b.register(sampleBody(rid));
  await b.messages.next();
  const push = (await b.messages.next()) as { kind: "push" } & Push;
  await a.messages.next();
  await a.raw.drain(20);
  await b.raw.drain(20);
  return { a, b, channel: push.channel };
}

test("relay frames cross between the two registrants unchanged; outsiders and unknown channels are dropped", async () => {
  const srv = await startTestServer();
  const { a, b, channel } = await pair(srv.coordd.udpPort, srv.coordd.publicKey);
  const outsider = await UdpTestClient.open(srv.coordd.udpPort, srv.coordd.publicKey);
  try {
    const payload = randomBytes(148);
    const frame = encodeRelayFrame(channel, payload);
    a.send(frame);
    const got = await b.raw.next();
    assert.deepEqual(Uint8Array.from(decodeRelayFrame(got).payload), Uint8Array.from(payload));
    b.send(encodeRelayFrame(channel, Uint8Array.of(1, 2, 3)));
    assert.deepEqual(Uint8Array.from(decodeRelayFrame(await a.raw.next()).payload), Uint8Array.of(1, 2, 3));
    outsider.send(frame);
    outsider.send(encodeRelayFrame(randomBytes(8), payload));
    assert.deepEqual(await b.raw.drain(150), []);
    assert.deepEqual(await outsider.raw.drain(0), []);
    const m = srv.coordd.core.metrics;
    assert.equal(m.dropped(DropReason.NotChannelMember), 1);
    assert.equal(m.dropped(DropReason.UnknownChannel), 1);
    assert.equal(m.relayPackets, 2);
    assert.equal(m.relayBytes, frame.length + 15);
  } finally {
    a.close();
    b.close();
    outsider.close();
    await srv.close();
  }
});

test("the per-pair relay cap holds", async () => {
  // 10 kB/s per pair with a 20 kB burst: 100 frames of 1012 bytes cannot all pass.
  const srv = await startTestServer(["--relay-pair-bps", "10000"]);
  const { a, b, channel } = await pair(srv.coordd.udpPort, srv.coordd.publicKey);
  try {
    const frame = encodeRelayFrame(channel, new Uint8Array(1000));
    for (let i = 0; i < 100; i++) a.send(frame);
    const got = await b.raw.drain(300);
    const m = srv.coordd.core.metrics;
    assert.ok(got.length <= 21, `forwarded ${got.length}`);
    assert.ok(got.length >= 1);
    assert.equal(m.relayPackets, got.length);
    // Loopback may lose a few of the burst before coordd reads them; most must hit the cap.
    assert.ok(m.dropped(DropReason.RelayPairCap) >= 50, `capped ${m.dropped(DropReason.RelayPairCap)}`);
  } finally {
    a.close();
    b.close();
    await srv.close();
  }
});

test("the overall relay cap holds across pairs", async () => {
  const srv = await startTestServer(["--relay-total-bps", "5000"]);
  const p1 = await pair(srv.coordd.udpPort, srv.coordd.publicKey);
  const p2 = await pair(srv.coordd.udpPort, srv.coordd.publicKey);
  try {
    for (let i = 0; i < 30; i++) {
      p1.a.send(encodeRelayFrame(p1.channel, new Uint8Array(1000)));
      p2.a.send(encodeRelayFrame(p2.channel, new Uint8Array(1000)));
    }
    const got = (await p1.b.raw.drain(300)).length + (await p2.b.raw.drain(0)).length;
    assert.ok(got <= 11, `forwarded ${got}`);
    assert.ok(srv.coordd.core.metrics.dropped(DropReason.RelayTotalCap) >= 30);
  } finally {
    for (const c of [p1.a, p1.b, p2.a, p2.b]) c.close();
    await srv.close();
  }
});
