// RFC 5780 discovery against the real coturn, behind a real Linux NAT, checked
// against the Debian `stun` client's verdict on the same server.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Lab, LAN_HOST, ROUTER_WAN, WAN_SERVER } from "./lab/netns-lab.js";
import { LabAgent } from "./lab/agent-client.js";
import type { NatBehavior } from "../src/index.js";

/** The reference client's RFC 3489 words for the two behaviours. */
function referenceVerdict(out: string): { mapping: string; filtering: string } {
  const primary = /Primary: (.*)/.exec(out)?.[1] ?? "";
  const mapping = /Independent Mapping/.test(primary) ? "endpoint-independent" : /Dependent Mapping/.test(primary) ? "dependent" : /Open/.test(primary) ? "endpoint-independent" : "?";
  const filtering = /Independent Filter|Open/.test(primary)
    ? "endpoint-independent"
    : /Port Dependent Filter/.test(primary)
      ? "address-and-port-dependent"
      : /Address Dependent Filter/.test(primary)
        ? "address-dependent"
        : "?";
  return { mapping, filtering };
}

for (const fullyRandom of [false, true]) {
  test(`RFC 5780 discovery behind masquerade${fullyRandom ? " fully-random" : ""} agrees with the stun client`, async (t) => {
    const lab = new Lab({ fullyRandom });
    t.after(() => lab.close());
    await lab.start();
    const agent = new LabAgent(lab.lan);
    t.after(() => agent.close());

    const ours = await agent.call<NatBehavior>("stun-discover", { server: WAN_SERVER, port: 3478, localAddress: LAN_HOST });
    assert.equal(ours.mapped.address, ROUTER_WAN);
    assert.equal(ours.noNat, false);
    const ref = referenceVerdict(lab.execAnyStatus(lab.lan, "stun", WAN_SERVER));
    // Linux conntrack filters by address and port in both modes (DESIGN lab facts).
    assert.equal(ours.filtering, "address-and-port-dependent");
    if (fullyRandom) {
      // The reference client stops at "Dependent Mapping" and does not test filtering then.
      assert.equal(ref.mapping, "dependent");
      assert.equal(ours.mapping, "address-and-port-dependent");
    } else {
      assert.equal(ref.mapping, "endpoint-independent");
      assert.equal(ref.filtering, ours.filtering);
      assert.equal(ours.mapping, "endpoint-independent");
    }
  });
}

test("RFC 5780 discovery from the router itself sees no NAT and open filtering", async (t) => {
  const lab = new Lab();
  t.after(() => lab.close());
  await lab.start();
  const agent = new LabAgent(lab.rtr);
  t.after(() => agent.close());
  const ours = await agent.call<NatBehavior>("stun-discover", { server: WAN_SERVER, port: 3478, localAddress: ROUTER_WAN });
  assert.equal(ours.noNat, true);
  assert.equal(ours.mapping, "endpoint-independent");
  assert.equal(ours.filtering, "endpoint-independent");
  const ref = referenceVerdict(lab.execAnyStatus(lab.rtr, "stun", WAN_SERVER));
  assert.equal(ref.filtering, "endpoint-independent");
});
