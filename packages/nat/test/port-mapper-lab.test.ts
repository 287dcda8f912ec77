// PortMapper end to end against miniupnpd: gateway from the namespace's
// routing table, all methods raced, PCP kept, the UPnP loser's mapping
// deleted, and nothing left at the router after stop.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Lab, ROUTER_WAN } from "./lab/netns-lab.js";
import { LabAgent } from "./lab/agent-client.js";
import type { MappingEvent, PortMapping } from "../src/index.js";

async function eventually(what: string, cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`timed out waiting for ${what}`);
}

test("PortMapper keeps PCP, removes the UPnP duplicate, and deletes on stop", async (t) => {
  const lab = new Lab({ miniupnpd: true });
  t.after(() => lab.close());
  await lab.start();
  const agent = new LabAgent(lab.lan);
  t.after(() => agent.close());
  const { handle, mapping } = await agent.call<{ handle: number; mapping: PortMapping }>("port-mapper", { internalPort: 42000, lifetime: 600 }, 40_000);
  assert.equal(mapping.method, "pcp");
  assert.equal(mapping.externalAddress, ROUTER_WAN);
  // Exactly one redirect to our port survives the race.
  await eventually("one redirect left", () => lab.routerRules().split("\n").filter((l) => l.includes("to 192.168.77.2:42000")).length === 1);
  const events = await agent.call<MappingEvent[]>("port-mapper-stop", { handle });
  assert.deepEqual(events.map((e) => e.kind), ["mapped"]);
  assert.equal(lab.routerRules().includes("192.168.77.2:42000"), false, lab.routerRules());
});

test("PortMapper falls back to UPnP when PCP and NAT-PMP are not offered", async (t) => {
  const lab = new Lab({ miniupnpd: true });
  t.after(() => lab.close());
  await lab.start();
  const agent = new LabAgent(lab.lan);
  t.after(() => agent.close());
  // Block the router's PCP/NAT-PMP port: the PCP/NAT-PMP probe fails fast on ICMP unreachable.
  lab.exec(lab.rtr, "nft", "add", "table", "inet", `${lab.id}in`);
  lab.exec(lab.rtr, "nft", "add", "chain", "inet", `${lab.id}in`, "input", "{ type filter hook input priority -10; }");
  lab.exec(lab.rtr, "nft", "add", "rule", "inet", `${lab.id}in`, "input", "udp", "dport", "5351", "reject");
  const { handle, mapping, errors } = await agent.call<{ handle: number; mapping: PortMapping; errors: string[] }>("port-mapper", { internalPort: 42001, lifetime: 600 }, 40_000);
  assert.equal(mapping.method, "upnp", errors.join("; "));
  assert.ok(lab.routerRules().includes("to 192.168.77.2:42001"));
  await agent.call("port-mapper-stop", { handle });
  assert.equal(lab.routerRules().includes("192.168.77.2:42001"), false);
});
