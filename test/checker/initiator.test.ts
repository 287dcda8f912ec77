// The raw peer as initiator against the daemon: handshake, keepalive, ICMP
// through the daemon's TUN, padding, counters and exact byte accounting (§9.4).
import { test } from "node:test";
import assert from "node:assert/strict";
import { CheckLab, implsToCheck, PEER_TUNNEL_ADDRESS, TUN_ADDRESS } from "./lab.js";
import { echoReplyFor, echoRequest, parseEcho, parseIpv4 } from "../support/rawpeer/index.js";
import { waitFor } from "../support/netns.js";

for (const impl of implsToCheck()) {
  test(`${impl}: raw initiator handshake, keepalive, ICMP echo through the TUN, exact byte counters`, async (t) => {
    const lab = await CheckLab.start(impl);
    t.after(() => lab.close());
    const peer = await lab.addRawPeer();
    const before = Math.floor(Date.now() / 1000);

    const session = await peer.handshake();
    // Initiation (148) + confirming keepalive (32) received; response (92) sent. The responder
    // completes the handshake when that keepalive arrives, which may be after this get is served.
    const hs = await waitFor("the daemon to take the confirming keepalive", async () => {
      const f = await lab.peerFields(peer.identity.publicKey);
      return f.get("last_handshake_time_sec") !== "0" ? f : undefined;
    }, 5_000, 20);
    assert.ok(Number(hs.get("last_handshake_time_sec")) >= before - 1, "last_handshake_time is absolute wall-clock time");
    assert.equal(hs.get("endpoint"), `127.0.0.1:${peer.socket.port}`);

    // 66-byte ICMP echo (38 bytes of data): padded to 80 both ways.
    await peer.send(session.seal(echoRequest(PEER_TUNNEL_ADDRESS, TUN_ADDRESS, 0x4242, 1, 38)));
    const reply = await peer.receive(session);
    assert.ok(reply, "echo reply came back through the tunnel");
    assert.equal(reply.datagram.data.length, 32 + 80, "80 bytes of padded plaintext on the wire");
    assert.equal(reply.plaintext.length, 80, "plaintext padded to a multiple of 16");
    assert.equal(reply.counter, 0n, "the daemon's first message on this keypair uses counter 0");
    assert.equal(reply.replayed, false);
    const ip = parseIpv4(reply.plaintext);
    assert.ok(ip);
    assert.equal(ip.totalLength, 66);
    assert.equal(ip.source, TUN_ADDRESS);
    assert.equal(ip.destination, PEER_TUNNEL_ADDRESS);
    assert.deepEqual(reply.plaintext.subarray(66), new Uint8Array(14), "padding bytes are zero");
    const echo = parseEcho(ip);
    assert.ok(echo);
    assert.equal(echo.type, 0);
    assert.equal(echo.id, 0x4242);
    assert.equal(echo.seq, 1);

    // A second echo: counters advance on both sides.
    await peer.send(session.seal(echoRequest(PEER_TUNNEL_ADDRESS, TUN_ADDRESS, 0x4242, 2, 38)));
    const reply2 = await peer.receive(session);
    assert.ok(reply2);
    assert.equal(reply2.counter, 1n);

    const { rx, tx } = await lab.transfer(peer.identity.publicKey);
    assert.equal(rx, 148 + 32 + 112 + 112, "rx = initiation + keepalive + two 112-byte data messages");
    assert.equal(tx, 92 + 112 + 112, "tx = response + two 112-byte data messages");
    assert.equal(session.sendCounter, 3n);
    lab.assertAlive();
  });
}

for (const impl of implsToCheck()) {
  test(`${impl}: IPv6 outer transport, both roles`, async (t) => {
    const lab = await CheckLab.start(impl);
    t.after(() => lab.close());
    const peer = await lab.addRawPeer({ bind: "::1" });
    const session = await peer.handshake();
    assert.equal((await lab.peerFields(peer.identity.publicKey)).get("endpoint"), `[::1]:${peer.socket.port}`);
    await peer.send(session.seal(echoRequest(PEER_TUNNEL_ADDRESS, TUN_ADDRESS, 0x4343, 1, 38)));
    assert.ok(await peer.receive(session), "echo over an IPv6 outer path");

    // The daemon initiating toward an IPv6 endpoint.
    const other = await lab.addRawPeer({ bind: "::1", endpoint: true, allowedIps: ["10.77.0.3/32"] });
    const ping = lab.ns.ping("10.77.0.3", { count: 1, size: 38, waitS: 8 });
    const answered = await other.respond(8000);
    assert.ok(answered, "initiation arrived over IPv6");
    const req = await other.receive(answered.session);
    assert.ok(req);
    const reply = echoReplyFor(req.plaintext.subarray(0, parseIpv4(req.plaintext)?.totalLength ?? 0));
    assert.ok(reply);
    await other.send(answered.session.seal(reply));
    assert.equal((await ping).received, 1);
    lab.assertAlive();
  });
}
