// `wg syncconf` with the running configuration must leave a live session alone (no new
// handshake, traffic flows), whereas `wg setconf` replaces the peers and so forces a new
// handshake: the positive control that shows the handshake check can see a reset.
import assert from "node:assert/strict";
import { test } from "node:test";
import { loopbackPair, sleep, wg, type Side } from "../support/netns.js";
import { inLab, pairsUnderTest } from "../support/scenario.js";

async function pingAll(from: Side, to: string): Promise<void> {
  const r = await from.ns.ping(to, { count: 2 });
  assert.equal(r.received, r.requested, r.output);
}

for (const pair of pairsUnderTest()) {
  test(`${pair.label}: syncconf keeps the live session, setconf resets it`, async (t) => {
    await inLab(t, async (lab) => {
      const { a, b } = await loopbackPair(lab, { pair, endpoints: "a" });
      await pingAll(a, b.tunnel4);
      const first = await a.iface.latestHandshake(b.iface.keys.publicKey);
      assert.ok(first > 0);
      await sleep(1100); // handshake times have 1 s resolution in `wg show`

      for (const side of [a, b]) {
        const conf = lab.writeSecretFile(`${side.iface.name}.conf`, await side.iface.showconf());
        await wg(["syncconf", side.iface.name, conf]);
      }
      await pingAll(a, b.tunnel4);
      await pingAll(b, a.tunnel4);
      assert.equal(await a.iface.latestHandshake(b.iface.keys.publicKey), first, `syncconf on ${pair.a}/${pair.b} caused a new handshake`);

      const conf = lab.writeSecretFile(`${a.iface.name}-set.conf`, await a.iface.showconf());
      await wg(["setconf", a.iface.name, conf]);
      await pingAll(a, b.tunnel4);
      assert.ok((await a.iface.latestHandshake(b.iface.keys.publicKey)) > first, `setconf (replace_peers) on ${pair.a} must start a new session`);
    });
  });
}
