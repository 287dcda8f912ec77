// IPv6 direct beats IPv4 public: two hosts behind IPv4 NATs that also hold
// global IPv6 addresses (routed, behind stateful filters, no translation)
// advertise them as IPv6 candidates; simultaneous probing opens both filters
// and the pair ends on the IPv6 path, through which the tunnel carries
// traffic.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { NatLab } from "../support/natlab/index.js";
import { waitFor } from "../support/netns.js";
import { CoordinatedPlugd, timeToFirstPing } from "../support/coordinated.js";

let lab: NatLab;
before(async () => {
  lab = await NatLab.create();
});
after(() => lab?.close());

test("two dual-stack hosts behind IPv4 NATs end on the IPv6 path", async () => {
  const sa = await lab.addSite("v6a", { nat: "eim", ipv6: true });
  const sb = await lab.addSite("v6b", { nat: "edm", ipv6: true });
  const ha = await sa.addHost("a6");
  const hb = await sb.addHost("b6");
  assert.ok(ha.address6 !== undefined && hb.address6 !== undefined);
  const ka = await lab.lab.genKeyPair();
  const kb = await lab.lab.genKeyPair();
  const a = await CoordinatedPlugd.start(lab, ha, { tag: "a6", keys: ka, tunnelAddress: "10.92.0.1", peers: [{ keys: kb, tunnelAddress: "10.92.0.2" }] });
  const b = await CoordinatedPlugd.start(lab, hb, { tag: "b6", keys: kb, tunnelAddress: "10.92.0.2", peers: [{ keys: ka, tunnelAddress: "10.92.0.1" }] });
  await timeToFirstPing(hb, "10.92.0.1", 15_000);
  // eim ↔ edm over IPv4 alone would end on the relay; IPv6 needs no translation.
  const pb = await waitFor("b on the IPv6 path", async () => {
    const p = await b.peer(ka.publicKey);
    return p.path === "direct" && p.endpoint?.startsWith(`[${ha.address6}]`) === true ? p : undefined;
  }, 15_000, 250).catch(async (err: unknown) => {
    throw new Error(`${String(err)}: ${JSON.stringify(await b.status())}`);
  });
  assert.ok(pb.verifiedPaths.some((v) => v.kind === "ipv6"), JSON.stringify(pb));
  const pa = await a.waitForPath(kb.publicKey, ["direct"]);
  assert.ok(pa.endpoint?.startsWith(`[${hb.address6}]`), JSON.stringify(pa));
  const r = await hb.ns.ping("10.92.0.1", { count: 5, intervalS: 0.1 });
  assert.equal(r.received, 5, r.output);
  await Promise.all([a.stop(), b.stop()]);
});
