// The WebSocket transport: a WebSocket client and a UDP client of the same
// rid are paired, pushed and relayed to each other.
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { decodeRelayFrame, encodeRelayFrame, PeerTransport, PushFlag, RegisterStatus } from "@plug/protocol";
import { sampleBody, startTestServer, UdpTestClient, WsTestClient } from "./support.js";

test("a WebSocket client and a UDP client of one rid are paired and relay through coordd", async () => {
  const srv = await startTestServer();
  const { coordd } = srv;
  const w = await WsTestClient.open(coordd.httpPort, coordd.publicKey);
  const u = await UdpTestClient.open(coordd.udpPort, coordd.publicKey);
  try {
    const rid = randomBytes(16);
    w.register(sampleBody(rid));
    const ack = await w.messages.next();
    assert.ok(ack.kind === "ack" && ack.status === RegisterStatus.Ok);
    u.register(sampleBody(rid));
    assert.equal((await u.messages.next()).kind, "ack");
    const pu = await u.messages.next();
    const pw = await w.messages.next();
    assert.ok(pu.kind === "push" && pw.kind === "push");
    assert.equal(pu.peerTransport, PeerTransport.WebSocket);
    assert.equal(pw.peerTransport, PeerTransport.Udp);
    assert.equal(pw.peerObserved.port, u.port);
    await u.raw.drain(20);
    await w.raw.drain(20);

    const toUdp = randomBytes(120);
    w.send(encodeRelayFrame(pw.channel, toUdp));
    assert.deepEqual(Uint8Array.from(decodeRelayFrame(await u.raw.next()).payload), Uint8Array.from(toUdp));
    const toWs = randomBytes(60);
    u.send(encodeRelayFrame(pu.channel, toWs));
    assert.deepEqual(Uint8Array.from(decodeRelayFrame(await w.raw.next()).payload), Uint8Array.from(toWs));

    // Closing the WebSocket withdraws its slot at once.
    w.close();
    const gone = await u.messages.next();
    assert.ok(gone.kind === "push" && (gone.flags & PushFlag.PeerGone) !== 0);
  } finally {
    w.close();
    u.close();
    await srv.close();
  }
});

test("text frames close the WebSocket; other paths are not upgraded", async () => {
  const srv = await startTestServer();
  try {
    const w = await WsTestClient.open(srv.coordd.httpPort, srv.coordd.publicKey);
    const closed = new Promise<number>((r) => w.ws.once("close", (code: number) => r(code)));
    w.ws.send("hello");
    assert.equal(await closed, 1003);
    const res = await fetch(`http://127.0.0.1:${srv.coordd.httpPort}/nope`, { headers: { connection: "upgrade", upgrade: "websocket" } }).catch(() => undefined);
    assert.ok(res === undefined || res.status !== 101);
  } finally {
    await srv.close();
  }
});
