// Keepalives (§6.6, pitfall 13): persistent keepalive fires at once when
// switched on and then periodically; a passive keepalive follows received data
// that got no answer. Both arrive as 32-byte transport messages that decrypt
// to an empty plaintext.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CheckLab, implsToCheck, PEER_TUNNEL_ADDRESS, TUN_ADDRESS } from "./lab.js";
import { icmpEcho, ipv4 } from "../support/rawpeer/index.js";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

for (const impl of implsToCheck()) {
  test(`${impl}: persistent keepalive fires when enabled; passive keepalive follows unanswered data`, async (t) => {
    const lab = await CheckLab.start(impl);
    t.after(() => lab.close());
    const peer = await lab.addRawPeer();
    const session = await peer.handshake();

    // Passive: an unsolicited echo *reply* is delivered but the kernel answers nothing,
    // so within KEEPALIVE_TIMEOUT (10 s) the daemon owes us a keepalive.
    await peer.send(session.seal(ipv4(PEER_TUNNEL_ADDRESS, TUN_ADDRESS, 1, icmpEcho(0, 1, 1, new Uint8Array(30)))));
    const passive = await peer.receive(session, 15_000);
    assert.ok(passive, "passive keepalive after unanswered data");
    assert.equal(passive.plaintext.length, 0);
    assert.equal(passive.datagram.data.length, 32);

    // Persistent: switching it on sends one keepalive immediately, then one per interval.
    assert.equal(await lab.set([`public_key=${hex(peer.identity.publicKey)}`, "persistent_keepalive_interval=1"]), "errno=0\n\n");
    const counters: bigint[] = [];
    for (let i = 0; i < 3; i++) {
      const k = await peer.receive(session, 5000);
      assert.ok(k, `persistent keepalive ${i + 1}`);
      assert.equal(k.plaintext.length, 0);
      counters.push(k.counter);
    }
    assert.ok(counters.every((c, i) => i === 0 || c > counters[i - 1]!), "each keepalive uses a new counter");
    assert.equal((await lab.peerFields(peer.identity.publicKey)).get("persistent_keepalive_interval"), "1");
    lab.assertAlive();
  });
}
