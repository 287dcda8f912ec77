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
      assert.equal(first.received, first.requested, first.output);
      assert.equal(await b.iface.endpoint(a.iface.keys.publicKey), a.endpoint, "B learned A's endpoint from A's handshake");
      assert.ok((await a.iface.latestHandshake(b.iface.keys.publicKey)) > 0);
      assert.ok((await b.iface.latestHandshake(a.iface.keys.publicKey)) > 0);

      for (const [from, to] of [[b, a.tunnel4], [a, b.tunnel6], [b, a.tunnel6]] as const) {
        const r = await from.ns.ping(to);
        assert.equal(r.received, r.requested, r.output);
      }

      for (const side of [a, b]) {
        const link = await side.ns.ip(["link", "show", side.iface.name]);
        assert.match(link, /mtu 1420 /, `${side.iface.impl} TUN MTU`);
      }
      // 1392 + 8 (ICMP) + 20 (IPv4) = 1420; 1372 + 8 + 40 (IPv6) = 1420.
      for (const [from, to, size] of [[a, b.tunnel4, 1392], [b, a.tunnel4, 1392], [a, b.tunnel6, 1372], [b, a.tunnel6, 1372]] as const) {
        const r = await from.ns.ping(to, { size, dontFragment: true });
        assert.equal(r.received, r.requested, `DF ping -s ${size} to ${to}: ${r.output}`);
      }
      // Negative control: one byte more cannot leave with DF set, so the sizes above really are the MTU.
      const over = await a.ns.ping(b.tunnel4, { size: 1393, dontFragment: true, count: 1 });
      assert.equal(over.received, 0, over.output);

      // Counters: both count WireGuard UDP payload bytes (WIREGUARD.md §9.4), so once the
      // traffic has settled what one side sent is exactly what the other received.
      const ta = await a.iface.transfer(b.iface.keys.publicKey);
      const tb = await b.iface.transfer(a.iface.keys.publicKey);
      assert.ok(ta.tx > 0 && ta.rx > 0, JSON.stringify(ta));
      assert.equal(ta.tx, tb.rx, `${pair.a} tx vs ${pair.b} rx`);
      assert.equal(tb.tx, ta.rx, `${pair.b} tx vs ${pair.a} rx`);
      // Handshake time is absolute Unix time (wg prints "N seconds ago" from it), not an age.
      const now = Date.now() / 1000;
      for (const [side, other] of [[a, b], [b, a]] as const) {
        const hs = await side.iface.latestHandshake(other.iface.keys.publicKey);
        assert.ok(hs > now - 120 && hs <= now + 1, `${side.iface.impl} latest handshake ${hs} vs now ${now}`);
      }
    });
  });
}
