// The raw peer as responder: a ping inside the namespace makes the daemon initiate.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CheckLab, implsToCheck, PEER_TUNNEL_ADDRESS } from "./lab.js";
import { echoReplyFor, messageType, parseEcho, parseIpv4 } from "../support/rawpeer/index.js";

for (const impl of implsToCheck()) {
  test(`${impl}: raw responder answers the daemon's initiation and a ping succeeds`, async (t) => {
    const lab = await CheckLab.start(impl);
    t.after(() => lab.close());
    const peer = await lab.addRawPeer({ endpoint: true });

    // 38 data bytes -> 66-byte IPv4 packet -> 80 padded -> 112 on the wire.
    const ping = lab.ns.ping(PEER_TUNNEL_ADDRESS, { count: 1, size: 38, waitS: 8 });
    const answered = await peer.respond(8000);
    assert.ok(answered, "the daemon sent a handshake initiation to the configured endpoint");
    assert.equal(answered.initiation.data.length, 148);
    const initiationTs = Buffer.from(answered.initiation.data);
    assert.equal(messageType(initiationTs), 1);

    // The staged echo request is the key confirmation the responder waits for.
    const req = await peer.receive(answered.session, 8000);
    assert.ok(req, "the daemon sent its staged packet right after the response");
    assert.equal(req.counter, 0n);
    const ip = parseIpv4(req.plaintext);
    assert.ok(ip);
    assert.equal(ip.destination, PEER_TUNNEL_ADDRESS);
    assert.equal(parseEcho(ip)?.type, 8);
    assert.equal(req.plaintext.length, 80);
    const reply = echoReplyFor(req.plaintext.subarray(0, ip.totalLength));
    assert.ok(reply);
    await peer.send(answered.session.seal(reply));

    const result = await ping;
    assert.equal(result.received, 1, result.output);
    const { rx, tx } = await lab.transfer(peer.identity.publicKey);
    assert.equal(tx, 148 + 112, "tx = initiation + echo request");
    assert.equal(rx, 92 + 112, "rx = response + echo reply");
    const f = await lab.peerFields(peer.identity.publicKey);
    assert.notEqual(f.get("last_handshake_time_sec"), "0");
    lab.assertAlive();
  });
}
