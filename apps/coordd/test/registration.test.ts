// Registration, pairing and push over real UDP sockets on loopback.
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { PeerTransport, PushFlag, RegisterFlag, RegisterStatus } from "@plug/protocol";
import { sampleBody, startTestServer, UdpTestClient } from "./support.js";

test("two registrants of a rid are pushed each other's observed address and sealed blob at once", async () => {
  const srv = await startTestServer();
  const { coordd } = srv;
  const a = await UdpTestClient.open(coordd.udpPort, coordd.publicKey);
  const b = await UdpTestClient.open(coordd.udpPort, coordd.publicKey);
  try {
    const rid = randomBytes(16);
    const bodyA = sampleBody(rid);
    const bodyB = sampleBody(rid);
    a.register(bodyA);
    const ackA = await a.messages.next();
    assert.equal(ackA.kind, "ack");
    assert.ok(ackA.kind === "ack" && ackA.status === RegisterStatus.Ok && ackA.lifetimeSeconds === 120);
    assert.deepEqual(ackA.kind === "ack" && ackA.observed, { family: 4, address: "127.0.0.1", port: a.port });
    b.register(bodyB);
    const ackB = await b.messages.next();
    assert.ok(ackB.kind === "ack" && ackB.status === RegisterStatus.Ok);
    const pushB = await b.messages.next();
    const pushA = await a.messages.next();
    assert.ok(pushA.kind === "push" && pushB.kind === "push");
    assert.deepEqual(pushA.peerObserved, { family: 4, address: "127.0.0.1", port: b.port });
    assert.deepEqual(pushB.peerObserved, { family: 4, address: "127.0.0.1", port: a.port });
    assert.deepEqual(pushA.sealed, Uint8Array.from(bodyB.sealed));
    assert.deepEqual(pushB.sealed, Uint8Array.from(bodyA.sealed));
    assert.deepEqual(pushA.channel, pushB.channel);
    assert.equal(pushA.peerTransport, PeerTransport.Udp);

    // A refresh that changes nothing pushes nothing; a new sealed blob is pushed to the partner.
    a.register(bodyA);
    assert.equal((await a.messages.next()).kind, "ack");
    assert.deepEqual(await b.messages.drain(150), []);
    const newer = { ...bodyA, sealed: randomBytes(90) };
    a.register(newer);
    assert.equal((await a.messages.next()).kind, "ack");
    assert.equal((await a.messages.next()).kind, "push", "a change pushes both ways");
    const update = await b.messages.next();
    assert.ok(update.kind === "push");
    assert.deepEqual(update.sealed, Uint8Array.from(newer.sealed));

    // Withdraw tells the partner at once.
    a.register({ ...bodyA, flags: RegisterFlag.Withdraw, sealed: new Uint8Array(0) });
    const wAck = await a.messages.next();
    assert.ok(wAck.kind === "ack" && wAck.status === RegisterStatus.Withdrawn);
    const gone = await b.messages.next();
    assert.ok(gone.kind === "push" && (gone.flags & PushFlag.PeerGone) !== 0 && gone.sealed.length === 0);
    assert.equal(coordd.core.metrics.ridsPaired, 1);
  } finally {
    a.close();
    b.close();
    await srv.close();
  }
});

test("a registrant that roams to a new address keeps its slot and the partner is told", async () => {
  const srv = await startTestServer();
  const { coordd } = srv;
  const a = await UdpTestClient.open(coordd.udpPort, coordd.publicKey);
  const b = await UdpTestClient.open(coordd.udpPort, coordd.publicKey);
  const a2 = await UdpTestClient.open(coordd.udpPort, coordd.publicKey);
  try {
    const rid = randomBytes(16);
    const bodyA = sampleBody(rid);
    a.register(bodyA);
    await a.messages.next();
    b.register(sampleBody(rid));
    await b.messages.next();
    await b.messages.next();
    await a.messages.next();
    // Same slot token from a new socket (and a new session, as after a restart).
    a2.register(bodyA);
    const ack = await a2.messages.next();
    assert.ok(ack.kind === "ack" && ack.status === RegisterStatus.Ok);
    const push = await b.messages.next();
    assert.ok(push.kind === "push");
    assert.equal(push.peerObserved.port, a2.port);
    assert.equal(coordd.core.registeredRids, 1);
  } finally {
    a.close();
    b.close();
    a2.close();
    await srv.close();
  }
});
