// Key rotation (§6.3) with the raw peer forcing a second handshake: the daemon
// keeps sending on the old keypair until the new one is confirmed, accepts the
// old one for in-flight packets afterwards, and switches to the new one once
// a packet arrives on it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { CheckLab, implsToCheck, PEER_TUNNEL_ADDRESS, TUN_ADDRESS } from "./lab.js";
import { echoRequest, parseEcho, parseIpv4, type RawPeer, type Session } from "../support/rawpeer/index.js";

async function echo(peer: RawPeer, via: Session, expectOn: Session, seq: number): Promise<bigint> {
  await peer.send(via.seal(echoRequest(PEER_TUNNEL_ADDRESS, TUN_ADDRESS, 0x77, seq, 38)));
  const r = await peer.receive(expectOn);
  assert.ok(r, `echo ${seq}: reply arrives on the expected keypair`);
  assert.equal(parseEcho(parseIpv4(r.plaintext)!)?.seq, seq);
  return r.counter;
}

for (const impl of implsToCheck()) {
  test(`${impl}: second handshake rotates keypairs with key confirmation`, async (t) => {
    const lab = await CheckLab.start(impl);
    t.after(() => lab.close());
    const peer = await lab.addRawPeer();
    const { bytes: i1, pending: p1 } = peer.makeInitiation();
    await peer.send(i1);
    const r1 = await peer.awaitResponse(p1);
    assert.equal(r1.kind, "session");
    if (r1.kind !== "session") return;
    const old = r1.session;
    await peer.send(old.seal(new Uint8Array(0)));
    await echo(peer, old, old, 1);

    await sleep(50); // past the responder's 20 ms initiation flood limit
    const { bytes: i2, pending: p2 } = peer.makeInitiation();
    await peer.send(i2);
    const r2 = await peer.awaitResponse(p2);
    assert.equal(r2.kind, "session");
    if (r2.kind !== "session") return;
    const fresh = r2.session;
    assert.notEqual(fresh.keypair.remoteIndex, old.keypair.remoteIndex, "a new receiver index for the new keypair");

    // Not yet confirmed: the daemon must still answer on the old keypair.
    await echo(peer, old, old, 2);
    // First packet on the new keypair confirms it; from then on the daemon sends with it.
    await echo(peer, fresh, fresh, 3);
    // An in-flight packet on the old (now previous) keypair is still accepted; the reply uses the new one.
    await echo(peer, old, fresh, 4);
    const firstOnFresh = await echo(peer, fresh, fresh, 5);
    assert.equal(firstOnFresh, 2n, "the daemon's counter on the new keypair runs 0, 1, 2");
    assert.equal(peer.socket.inbox.length, 0, "nothing left unexplained");
    lab.assertAlive();
  });
}
