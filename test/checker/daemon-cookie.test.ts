// The daemon as initiator facing a busy responder (§5.5, pitfall 16; mandatory
// for interop with loaded kernel/wireguard-go servers): the raw peer answers
// the daemon's initiation with a cookie reply; the daemon's next initiation
// must carry mac2 = MAC(cookie, msg[0:132]), and the handshake then completes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { CheckLab, implsToCheck, PEER_TUNNEL_ADDRESS } from "./lab.js";
import { decodeMessage, echoReplyFor, mac, makeCookieReply, messageType, parseIpv4 } from "../support/rawpeer/index.js";

for (const impl of implsToCheck()) {
  test(`${impl}: daemon initiator honours a cookie reply with mac2 on its next initiation`, async (t) => {
    const lab = await CheckLab.start(impl);
    t.after(() => lab.close());
    const peer = await lab.addRawPeer({ endpoint: true });
    const ping = lab.ns.ping(PEER_TUNNEL_ADDRESS, { count: 1, size: 38, waitS: 15 });

    const first = await peer.socket.next((d) => messageType(d.data) === 1, 8000);
    assert.ok(first, "daemon initiated");
    const m1 = decodeMessage(first.data);
    assert.ok(m1?.type === 1);
    assert.deepEqual(m1.mac2, new Uint8Array(16), "no cookie yet, so mac2 is zero");
    const { cookie, bytes } = makeCookieReply({
      ownStatic: peer.identity.publicKey, secret: new Uint8Array(randomBytes(32)), sourceAddress: Uint8Array.of(127, 0, 0, 1),
      sourcePort: lab.port, receiver: m1.sender, answeredMac1: m1.mac1, nonce: new Uint8Array(randomBytes(24)),
    });
    await peer.send(bytes);

    // The retransmission (REKEY_TIMEOUT, about 5 s later) carries mac2.
    const second = await peer.socket.next((d) => messageType(d.data) === 1, 10_000);
    assert.ok(second, "daemon retransmitted its initiation");
    assert.deepEqual(second.data.subarray(132), mac(cookie, second.data.subarray(0, 132)), "mac2 = MAC(cookie, msg[0:132])");

    // Complete the handshake on the retransmission and answer the staged ping.
    peer.socket.inbox.unshift(second);
    const answered = await peer.respond(1000);
    assert.ok(answered);
    const req = await peer.receive(answered.session, 5000);
    assert.ok(req);
    const reply = echoReplyFor(req.plaintext.subarray(0, parseIpv4(req.plaintext)?.totalLength ?? 0));
    assert.ok(reply);
    await peer.send(answered.session.seal(reply));
    assert.equal((await ping).received, 1);
    lab.assertAlive();
  });
}
