// PCP and NAT-PMP against the real miniupnpd in a namespace router: mapping
// created, visible in miniupnpd's list and nftables, forwards a WAN packet to
// the LAN host, renews, survives a gateway reboot, and is deleted on stop.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Lab, LAN_HOST, ROUTER_LAN, ROUTER_WAN } from "./lab/netns-lab.js";
import { LabAgent } from "./lab/agent-client.js";
import type { MappingEvent, PortMapping } from "../src/index.js";

async function eventually(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`timed out waiting for ${what}`);
}

/**
 * How long to let a mapping age before the gateway restarts, so the new daemon's epoch is
 * visibly behind ours. RFC 6887 §8.5 tolerates 2 s plus 1/16 of the elapsed time, and
 * miniupnpd's epoch is in whole seconds: a mapping at epoch 0 and a restarted daemon whose
 * startup (STUN included) crosses a second boundary announce 0 then 1, which a correct client
 * must accept as consistent until about 3.2 s have passed. The announcement tests waited 3 s and
 * failed that way under load; 6 s is past the tolerance whatever the rounding.
 */
const EPOCH_VISIBLE_GAP_MS = 6000;

function redirect(lab: Lab, m: PortMapping): boolean {
  return lab.routerRules().includes(`dport ${m.externalPort} dnat ip to ${LAN_HOST}:${m.internalPort}`);
}

for (const protocol of ["pcp", "nat-pmp", "upnp"] as const) {
  test(`${protocol}: map, forward, renew, delete against miniupnpd`, async (t) => {
    const lab = new Lab({ miniupnpd: true });
    t.after(() => lab.close());
    await lab.start();
    const agent = new LabAgent(lab.lan);
    t.after(() => agent.close());

    const internalPort = 41000;
    await agent.call("udp-listen", { port: internalPort });
    const { handle, mapping } = await agent.call<{ handle: number; mapping: PortMapping }>(protocol === "upnp" ? "upnp-map" : "pmp-pcp-map", {
      gateway: ROUTER_LAN,
      internalPort,
      lifetime: 600,
      protocols: [protocol],
    });
    assert.equal(mapping.method, protocol);
    assert.equal(mapping.externalAddress, ROUTER_WAN);
    assert.ok(mapping.externalPort > 0);
    assert.ok(mapping.lifetimeSeconds > 0 && mapping.lifetimeSeconds <= 600);
    assert.ok(redirect(lab, mapping), lab.routerRules());
    // The reference client sees it in miniupnpd's own list.
    const listed = new RegExp(`UDP\\s+${mapping.externalPort}->${LAN_HOST}:${internalPort}`);
    assert.match(lab.exec(lab.lan, "upnpc", "-i", "-l"), listed);

    lab.sendFromWan(mapping.externalPort, "through the mapping");
    await eventually("the WAN packet at the LAN host", async () => (await agent.call<string[]>("udp-received", { port: internalPort })).includes("through the mapping"));

    const afterRenew = await agent.call<MappingEvent[]>("renew", { handle });
    const renewed = afterRenew.filter((e): e is Extract<MappingEvent, { kind: "mapped" }> => e.kind === "mapped");
    assert.equal(renewed.length, 2);
    assert.equal(renewed[1]?.mapping.externalPort, mapping.externalPort);
    assert.ok((renewed[1]?.mapping.obtainedAtMs ?? 0) > mapping.obtainedAtMs);

    const final = await agent.call<MappingEvent[]>("stop", { handle });
    assert.equal(final.at(-1)?.kind, "deleted");
    assert.equal(redirect(lab, mapping), false, lab.routerRules());
    assert.doesNotMatch(lab.exec(lab.lan, "upnpc", "-i", "-l"), listed);
  });
}

test("upnp: IGDv2 AddAnyPortMapping, and a renewal puts back what a rebooted router forgot", async (t) => {
  const lab = new Lab({ miniupnpd: true });
  t.after(() => lab.close());
  await lab.start();
  const agent = new LabAgent(lab.lan);
  t.after(() => agent.close());
  const { handle, mapping, serviceType } = await agent.call<{ handle: number; mapping: PortMapping; serviceType: string }>("upnp-map", {
    gateway: ROUTER_LAN,
    internalPort: 41002,
    lifetime: 600,
  });
  assert.equal(serviceType, "urn:schemas-upnp-org:service:WANIPConnection:2");
  assert.equal(mapping.lifetimeSeconds, 600);
  await lab.restartMiniupnpd();
  assert.equal(redirect(lab, mapping), false);
  const events = await agent.call<MappingEvent[]>("renew", { handle }, 30_000);
  assert.equal(events.at(-1)?.kind, "mapped");
  assert.ok(redirect(lab, mapping), lab.routerRules());
  await agent.call("stop", { handle });
  assert.equal(redirect(lab, mapping), false);
});

test("pcp: a gateway reboot is detected through the epoch and the mapping re-created", async (t) => {
  const lab = new Lab({ miniupnpd: true });
  t.after(() => lab.close());
  await lab.start();
  const agent = new LabAgent(lab.lan);
  t.after(() => agent.close());
  const { handle, mapping } = await agent.call<{ handle: number; mapping: PortMapping }>("pmp-pcp-map", {
    gateway: ROUTER_LAN,
    internalPort: 41001,
    lifetime: 600,
    // Deaf to announcements, so only the epoch in the renewal answer can reveal the reboot.
    announcements: false,
  });
  assert.equal(mapping.method, "pcp");
  await new Promise((r) => setTimeout(r, EPOCH_VISIBLE_GAP_MS));
  await lab.restartMiniupnpd();
  assert.equal(redirect(lab, mapping), false);
  const events = await agent.call<MappingEvent[]>("renew", { handle });
  assert.deepEqual(events.map((e) => e.kind), ["mapped", "lost", "mapped"]);
  const again = events.at(-1);
  assert.ok(again?.kind === "mapped" && redirect(lab, again.mapping), lab.routerRules());
  await agent.call("stop", { handle });
});

for (const protocol of ["pcp", "nat-pmp"] as const) {
  test(`${protocol}: the gateway's restart announcement alone triggers re-creation`, async (t) => {
    const lab = new Lab({ miniupnpd: true });
    t.after(() => lab.close());
    await lab.start();
    const agent = new LabAgent(lab.lan);
    t.after(() => agent.close());
    const { handle, mapping } = await agent.call<{ handle: number; mapping: PortMapping }>("pmp-pcp-map", { gateway: ROUTER_LAN, internalPort: 41003, lifetime: 600, protocols: [protocol] });
    await new Promise((r) => setTimeout(r, EPOCH_VISIBLE_GAP_MS));
    await lab.restartMiniupnpd();
    // No renewNow: only the multicast announcement can tell the client.
    const events = await agent.call<MappingEvent[]>("wait-events", { handle, kind: "mapped", count: 2 }, 20_000).catch(async (e: unknown) => {
      const seen = await agent.call<MappingEvent[]>("events", { handle });
      assert.fail(`${String(e)}\nevents so far: ${JSON.stringify(seen)}\nminiupnpd log:\n${lab.log("miniupnpd")}`);
    });
    assert.deepEqual(events.map((e) => e.kind), ["mapped", "lost", "mapped"]);
    assert.ok(redirect(lab, mapping), lab.routerRules());
    await agent.call("stop", { handle });
  });
}
