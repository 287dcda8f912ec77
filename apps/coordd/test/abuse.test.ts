// Abuse without accounts: floods, junk, oversize, displacement, caps, stealth.
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { LinkClient, MessageType, RegisterStatus } from "@plug/protocol";
import { DropReason } from "../src/index.js";
import { sampleBody, startTestServer, UdpTestClient } from "./support.js";

test("a flooding source is rate limited while another source is served", async () => {
  const srv = await startTestServer(["--rate-pps", "50", "--rate-burst", "50"]);
  const flood = await UdpTestClient.open(srv.coordd.udpPort, srv.coordd.publicKey, "127.0.0.7");
  const good = await UdpTestClient.open(srv.coordd.udpPort, srv.coordd.publicKey, "127.0.0.8");
  try {
    const junk = new LinkClient(srv.coordd.publicKey).register(sampleBody());
    // Flood in small bursts for as long as the good client needs, without overrunning the socket buffer.
    let flooding = true;
    const floodStart = performance.now();
    const pump = (async () => {
      while (flooding) {
        for (let i = 0; i < 50; i++) flood.send(junk);
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    await new Promise((r) => setTimeout(r, 100));
    good.register(sampleBody());
    const ack = await good.messages.next(3000).finally(() => {
      flooding = false;
    });
    await pump;
    assert.ok(ack.kind === "ack" && ack.status === RegisterStatus.Ok);
    const floodSeconds = (performance.now() - floodStart) / 1000;
    const answers = await flood.raw.drain(200);
    // The burst, plus what the rate refills while the flood lasts (longer on a loaded machine), plus slack.
    const allowed = 50 + 50 * floodSeconds + 10;
    assert.ok(answers.length <= allowed, `flood got ${answers.length} answers in ${floodSeconds.toFixed(1)} s (allowed ${allowed.toFixed(0)})`);
    assert.ok(srv.coordd.core.metrics.dropped(DropReason.RateLimited) > 100);
    assert.ok(srv.coordd.core.metrics.rateLimitedSources >= 1);
  } finally {
    flood.close();
    good.close();
    await srv.close();
  }
});

test("malformed, unknown and oversized input is dropped silently and counted; nothing gets a bigger answer", async () => {
  const srv = await startTestServer();
  const c = await UdpTestClient.open(srv.coordd.udpPort, srv.coordd.publicKey);
  try {
    const sent: Uint8Array[] = [];
    const send = (d: Uint8Array): void => {
      sent.push(d);
      c.send(d);
    };
    send(randomBytes(1)); // noise
    send(Uint8Array.of(0xe2, 1, 0, 0)); // truncated register
    send(new Uint8Array(5000).fill(0xe2)); // oversized
    send(Uint8Array.of(0xe5, 1, 0, 0, 1)); // truncated relay
    send(Uint8Array.of(0xe2, 9, 0, 0)); // unknown version, too short for an answer
    const reg = new LinkClient(srv.coordd.publicKey).register(sampleBody());
    reg[3] = 1; // reserved byte set
    send(reg);
    for (let i = 0; i < 200; i++) send(randomBytes(1 + (i % 300)));
    for (let i = 0; i < 50; i++) {
      const d = randomBytes(120);
      d[0] = 0xe0 + (i % 16);
      d[1] = 1;
      send(d);
    }
    const answers = await c.raw.drain(300);
    const m = srv.coordd.core.metrics;
    assert.ok(m.dropped(DropReason.Malformed) >= 3);
    assert.ok(m.dropped(DropReason.Oversize) >= 1);
    assert.ok(m.dropped(DropReason.UnknownType) >= 1);
    assert.equal(m.registrations, 0);
    // Random bytes whose first byte is 0xE2 get a cookie reply (28 bytes); nothing else answers.
    const smallest = Math.min(...sent.map((d) => d.length).filter((n) => n >= 111));
    for (const a of answers) assert.ok(a.length <= 28 && a.length < smallest, `answer of ${a.length} bytes`);
  } finally {
    c.close();
    await srv.close();
  }
});

test("an unsupported version gets an 8-byte VERSION answer only when at least 8 bytes came in", async () => {
  const srv = await startTestServer();
  const c = await UdpTestClient.open(srv.coordd.udpPort, srv.coordd.publicKey);
  try {
    c.send(Uint8Array.of(0xe2, 2, 0, 0, 0, 0, 0, 0));
    const v = await c.raw.next();
    assert.deepEqual(Uint8Array.from(v), Uint8Array.of(MessageType.Version, 1, 0, 0, 1, 1, 0, 0));
    c.send(Uint8Array.of(0xe2, 2, 0, 0, 0));
    assert.deepEqual(await c.raw.drain(150), []);
  } finally {
    c.close();
    await srv.close();
  }
});

test("without the slot token nobody can displace a pair's registration, even knowing the rid", async () => {
  const srv = await startTestServer();
  const a = await UdpTestClient.open(srv.coordd.udpPort, srv.coordd.publicKey);
  const b = await UdpTestClient.open(srv.coordd.udpPort, srv.coordd.publicKey);
  const evil = await UdpTestClient.open(srv.coordd.udpPort, srv.coordd.publicKey, "127.0.0.9");
  try {
    const rid = randomBytes(16);
    const bodyA = sampleBody(rid);
    a.register(bodyA);
    await a.messages.next();
    b.register(sampleBody(rid));
    await b.messages.next();
    await b.messages.next();
    await a.messages.next();
    evil.register(sampleBody(rid, randomBytes(16), randomBytes(60)));
    const refused = await evil.messages.next();
    assert.ok(refused.kind === "ack" && refused.status === RegisterStatus.RidFull);
    assert.deepEqual(await a.messages.drain(100), [], "nothing was pushed to the pair");
    assert.deepEqual(await b.messages.drain(0), []);
    assert.equal(srv.coordd.core.metrics.registrationsRefused, 1);
  } finally {
    a.close();
    b.close();
    evil.close();
    await srv.close();
  }
});

test("a client cannot hold more rids than its cap", async () => {
  const srv = await startTestServer(["--max-rids-per-session", "3"]);
  const c = await UdpTestClient.open(srv.coordd.udpPort, srv.coordd.publicKey);
  try {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      c.register(sampleBody());
      const m = await c.messages.next();
      if (m.kind === "ack") statuses.push(m.status);
    }
    assert.deepEqual(statuses, [0, 0, 0, RegisterStatus.TooManyRids, RegisterStatus.TooManyRids]);
    assert.equal(srv.coordd.core.registeredRids, 3);
  } finally {
    c.close();
    await srv.close();
  }
});
