// Replay (§7): a resent, already accepted transport packet is dropped without
// a reply and without moving rx_bytes; fresh counters keep working around it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CheckLab, implsToCheck, PEER_TUNNEL_ADDRESS, TUN_ADDRESS } from "./lab.js";
import { clampPrivateKey } from "@plug/wireguard";
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { createInitiation, echoRequest, randomIndex, tai64n } from "../support/rawpeer/index.js";

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

    // The window is 8128 counters: move it to 10000, then 1871 is too old and 1872 is not.
    const echo = (seq: number, counter: bigint): Uint8Array => session.seal(echoRequest(PEER_TUNNEL_ADDRESS, TUN_ADDRESS, 7, seq, 38), counter);
    await peer.send(echo(10, 10_000n));
    assert.ok(await peer.receive(session), "counter 10000 accepted");
    await peer.send(echo(11, 10_000n - 8129n));
    assert.equal(await peer.receive(session, 1500), null, "8129 behind the highest counter is outside the window");
    await peer.send(echo(12, 10_000n - 8128n));
    assert.ok(await peer.receive(session), "8128 behind is still inside the window");

    // 64-bit edges (pitfall 6): REJECT_AFTER_MESSAGES itself is refused, one below it accepted.
    const REJECT = 2n ** 64n - 2n ** 13n - 1n;
    await peer.send(echo(13, REJECT));
    assert.equal(await peer.receive(session, 1500), null, "counter REJECT_AFTER_MESSAGES refused");
    await peer.send(echo(14, REJECT - 1n));
    assert.ok(await peer.receive(session), "counter REJECT_AFTER_MESSAGES - 1 accepted");
    lab.assertAlive();
  });
}

for (const impl of implsToCheck()) {
  test(`${impl}: an initiation whose TAI64N timestamp does not increase is ignored`, async (t) => {
    const lab = await CheckLab.start(impl);
    t.after(() => lab.close());
    const peer = await lab.addRawPeer();
    const current = tai64n(Date.now());
    const older = Buffer.from(current);
    older.writeBigUInt64BE(older.readBigUInt64BE(0) - 1n, 0);
    const make = (timestamp: Uint8Array): ReturnType<typeof createInitiation> => createInitiation({
      local: peer.identity, remoteStatic: peer.daemonStatic, ephemeralPrivate: clampPrivateKey(randomBytes(32)),
      sender: randomIndex(), timestamp,
    });
    const accepted = make(current);
    await peer.send(accepted.bytes);
    assert.equal((await peer.awaitResponse(accepted.pending)).kind, "session", "control: a fresh timestamp is answered");
    await sleep(50); // past the 20 ms flood limit, so only the timestamp can be the reason
    for (const ts of [current, new Uint8Array(older)]) {
      const replay = make(ts);
      await peer.send(replay.bytes);
      assert.equal((await peer.awaitResponse(replay.pending, 1500)).kind, "timeout", "equal or older timestamp is dropped");
    }
    lab.assertAlive();
  });
}
