// Replay (§7): a resent, already accepted transport packet is dropped without
// a reply and without moving rx_bytes; fresh counters keep working around it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CheckLab, implsToCheck, PEER_TUNNEL_ADDRESS, TUN_ADDRESS } from "./lab.js";
import { echoRequest } from "../support/rawpeer/index.js";

for (const impl of implsToCheck()) {
  test(`${impl}: a replayed transport packet is dropped`, async (t) => {
    const lab = await CheckLab.start(impl);
    t.after(() => lab.close());
    const peer = await lab.addRawPeer();
    const session = await peer.handshake();

    const packet = session.seal(echoRequest(PEER_TUNNEL_ADDRESS, TUN_ADDRESS, 7, 1, 38));
    await peer.send(packet);
    assert.ok(await peer.receive(session), "original accepted");
    const before = await lab.transfer(peer.identity.publicKey);

    await peer.send(packet);
    assert.equal(await peer.receive(session, 1500), null, "no reply to the replay");
    assert.deepEqual(await lab.transfer(peer.identity.publicKey), before, "rx_bytes unchanged by the replay");

    // Out of order but unseen counters are fine (the window, not a strict sequence)...
    const later = session.seal(echoRequest(PEER_TUNNEL_ADDRESS, TUN_ADDRESS, 7, 3, 38), 50n);
    const earlier = session.seal(echoRequest(PEER_TUNNEL_ADDRESS, TUN_ADDRESS, 7, 2, 38), 20n);
    await peer.send(later);
    assert.ok(await peer.receive(session), "counter 50 accepted");
    await peer.send(earlier);
    assert.ok(await peer.receive(session), "counter 20 (behind, unseen) accepted");
    // ...but each of them only once.
    await peer.send([later, earlier]);
    assert.equal(await peer.receive(session, 1500), null);
    assert.equal((await lab.transfer(peer.identity.publicKey)).rx, before.rx + 224);
    lab.assertAlive();
  });
}
