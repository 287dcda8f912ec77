// Address-bound cookies and replay protection over real sockets.
import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeCookieReply, MessageType } from "@plug/protocol";
import { DropReason } from "../src/index.js";
import { sampleBody, startTestServer, UdpTestClient } from "./support.js";

test("a first REGISTER gets only a cookie, smaller than itself; X25519 is not spent before it", async () => {
  const srv = await startTestServer();
  const c = await UdpTestClient.open(srv.coordd.udpPort, srv.coordd.publicKey);
  try {
    const reg = c.link.register(sampleBody());
    c.send(reg);
    const first = await c.raw.next();
    assert.equal(first[0], MessageType.CookieReply);
    assert.ok(first.length < reg.length);
    decodeCookieReply(first);
    assert.equal(srv.coordd.core.sessionCount, 0);
    assert.equal((await c.messages.next()).kind, "ack", "the client resent with the cookie");
    assert.equal(srv.coordd.core.sessionCount, 1);
  } finally {
    c.close();
    await srv.close();
  }
});

test("a registration captured and replayed from another address is refused; a replay from the same address too", async () => {
  const srv = await startTestServer();
  const victim = await UdpTestClient.open(srv.coordd.udpPort, srv.coordd.publicKey);
  const attacker = await UdpTestClient.open(srv.coordd.udpPort, srv.coordd.publicKey, "127.0.0.5");
  try {
    victim.register(sampleBody());
    await victim.raw.next(); // cookie reply
    const ackRaw = await victim.raw.next();
    assert.equal(ackRaw[0], MessageType.RegisterAck);
    // Rebuild the exact datagram the victim sent with its cookie (counter 1).
    const captured = victim.link.register(sampleBody());
    victim.send(captured);
    assert.equal((await victim.raw.next())[0], MessageType.RegisterAck);
    const before = srv.coordd.core.metrics.registrations;
    attacker.send(captured);
    const answer = await attacker.raw.next();
    assert.equal(answer[0], MessageType.CookieReply, "from another address the cookie does not match");
    assert.ok(answer.length < captured.length);
    victim.send(captured);
    assert.deepEqual(await victim.raw.drain(150), [], "same address, same counter: dropped");
    assert.equal(srv.coordd.core.metrics.dropped(DropReason.Replay), 1);
    assert.equal(srv.coordd.core.metrics.registrations, before);
  } finally {
    victim.close();
    attacker.close();
    await srv.close();
  }
});
