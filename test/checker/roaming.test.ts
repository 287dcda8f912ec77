// Roaming (§8.3): an authenticated packet from a new source port moves the
// endpoint; a forged packet (bad tag) from a third port does not.
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { CheckLab, implsToCheck, PEER_TUNNEL_ADDRESS, TUN_ADDRESS } from "./lab.js";
import { echoRequest, encodeTransport } from "../support/rawpeer/index.js";

for (const impl of implsToCheck()) {
  test(`${impl}: endpoint roams on authenticated packets only`, async (t) => {
    const lab = await CheckLab.start(impl);
    t.after(() => lab.close());
    const peer = await lab.addRawPeer();
    const first = peer.socket;
    const session = await peer.handshake();
    const endpoint = async (): Promise<string | undefined> => (await lab.peerFields(peer.identity.publicKey)).get("endpoint");
    assert.equal(await endpoint(), `127.0.0.1:${first.port}`);

    const second = await lab.openSocket("127.0.0.1");
    peer.socket = second;
    await peer.send(session.seal(echoRequest(PEER_TUNNEL_ADDRESS, TUN_ADDRESS, 9, 1, 38)));
    const reply = await peer.receive(session);
    assert.ok(reply, "the reply follows the peer to its new port");
    assert.equal(await endpoint(), `127.0.0.1:${second.port}`);

    // Forged: right receiver index, fresh counter, random ciphertext (bad tag), from a third port.
    const third = await lab.openSocket("127.0.0.2");
    const forged = encodeTransport({ receiver: session.keypair.remoteIndex, counter: 1000n, encryptedPacket: randomBytes(96) });
    await third.send(forged, "127.0.0.1", lab.port);
    // A keepalive-sized forgery too: the smallest transport message.
    await third.send(encodeTransport({ receiver: session.keypair.remoteIndex, counter: 1001n, encryptedPacket: randomBytes(16) }), "127.0.0.1", lab.port);
    // Observe the endpoint without sending from the peer (which would itself move it back):
    // a ping inside the namespace makes the daemon send to whatever endpoint it now holds.
    await sleep(300);
    assert.equal(await endpoint(), `127.0.0.1:${second.port}`, "the forgery did not move the endpoint");
    await lab.ns.ping(PEER_TUNNEL_ADDRESS, { count: 1, size: 38, waitS: 1 });
    const probe = await peer.receive(session);
    assert.ok(probe, "daemon-originated traffic still goes to the second port");
    assert.equal(third.received.length, 0, "nothing was sent to the forger");
    assert.equal(first.inbox.length, 0, "nothing went back to the old port");
    lab.assertAlive();
  });
}
