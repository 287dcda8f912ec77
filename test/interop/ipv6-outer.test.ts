// WireGuard over IPv6 between two namespaces joined by a veth: endpoints are [fd01::x]:port.
// A full 1420-byte inner packet becomes 1420 + 32 (WireGuard) + 8 (UDP) + 40 (IPv6) = 1500
// bytes outside, exactly the veth MTU, so the DF pings also prove nothing is over-padded.
import assert from "node:assert/strict";
import { test } from "node:test";
import { VETH6, vethPair } from "../support/netns.js";
import { inLab, pairsUnderTest } from "../support/scenario.js";

for (const pair of pairsUnderTest()) {
  test(`${pair.label}: IPv6 outer transport over a veth`, async (t) => {
    await inLab(t, async (lab) => {
      const { a, b } = await vethPair(lab, { pair, outer: 6, endpoints: "a" });
      assert.equal(a.endpoint, `[${VETH6[0]}]:10000`);

      const r = await a.ns.ping(b.tunnel4);
      assert.equal(r.received, r.requested, r.output);
      assert.equal(await b.iface.endpoint(a.iface.keys.publicKey), `[${VETH6[0]}]:10000`);
      assert.equal(await a.iface.endpoint(b.iface.keys.publicKey), `[${VETH6[1]}]:20000`);

      for (const [from, to, size] of [[b, a.tunnel6, 56], [a, b.tunnel4, 1392], [b, a.tunnel6, 1372]] as const) {
        const p = await from.ns.ping(to, { size, dontFragment: true });
        assert.equal(p.received, p.requested, `ping -s ${size} ${to}: ${p.output}`);
      }
    });
  });
}
