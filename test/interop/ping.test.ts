// ICMP through the tunnel for every implementation pair: A initiates (only A knows B's endpoint,
// so B can only learn A's from A's handshake), IPv4 and IPv6 inside, both directions, and
// full-MTU pings with DF set through the default 1420-byte MTU.
import assert from "node:assert/strict";
import { test } from "node:test";
import { loopbackPair } from "../support/netns.js";
import { inLab, pairsUnderTest } from "../support/scenario.js";

for (const pair of pairsUnderTest()) {
  test(`${pair.label}: ${pair.a} initiates, ${pair.b} responds; v4+v6 inside; full MTU with DF`, async (t) => {
    await inLab(t, async (lab) => {
      const { a, b } = await loopbackPair(lab, { pair, endpoints: "a", psk: true });
      assert.equal(await b.iface.endpoint(a.iface.keys.publicKey), undefined, "B must not know A before the handshake");

      const first = await a.ns.ping(b.tunnel4);
      assert.equal(first.received, first.transmitted, first.output);
      assert.equal(await b.iface.endpoint(a.iface.keys.publicKey), a.endpoint, "B learned A's endpoint from A's handshake");
      assert.ok((await a.iface.latestHandshake(b.iface.keys.publicKey)) > 0);
      assert.ok((await b.iface.latestHandshake(a.iface.keys.publicKey)) > 0);

      for (const [from, to] of [[b, a.tunnel4], [a, b.tunnel6], [b, a.tunnel6]] as const) {
        const r = await from.ns.ping(to);
        assert.equal(r.received, r.transmitted, r.output);
      }

      for (const side of [a, b]) {
        const link = await side.ns.ip(["link", "show", side.iface.name]);
        assert.match(link, /mtu 1420 /, `${side.iface.impl} TUN MTU`);
      }
      // 1392 + 8 (ICMP) + 20 (IPv4) = 1420; 1372 + 8 + 40 (IPv6) = 1420.
      for (const [from, to, size] of [[a, b.tunnel4, 1392], [b, a.tunnel4, 1392], [a, b.tunnel6, 1372], [b, a.tunnel6, 1372]] as const) {
        const r = await from.ns.ping(to, { size, dontFragment: true });
        assert.equal(r.received, r.transmitted, `DF ping -s ${size} to ${to}: ${r.output}`);
      }
      // Negative control: one byte more cannot leave with DF set, so the sizes above really are the MTU.
      const over = await a.ns.ping(b.tunnel4, { size: 1393, dontFragment: true, count: 1 });
      assert.equal(over.received, 0, over.output);
    });
  });
}
