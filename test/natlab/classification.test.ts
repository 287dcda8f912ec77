// Every NAT kind of the lab is what it claims, by two independent judges: Debian's `stun` client
// (RFC 3489 classification) and @plug/nat's RFC 5780 discovery, both against the lab's coordd.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { AgentError, type Host, NAT_KINDS, type NatKind, NatLab, parseStunClientVerdict, type StunClientVerdict } from "../support/natlab/index.js";

let lab: NatLab;
const hosts = new Map<NatKind, Host>();

async function stunClient(host: Host): Promise<StunClientVerdict> {
  const r = await host.ns.exec("stun", [lab.coordinator.host], { allowFailure: true, timeoutMs: 60_000 });
  return parseStunClientVerdict(r.stdout);
}

describe("each NAT kind classifies as built", { concurrency: true }, () => {
  before(async () => {
    lab = await NatLab.create();
    await Promise.all(NAT_KINDS.map(async (nat) => hosts.set(nat, await (await lab.addSite(nat, { nat })).addHost(`h-${nat}`))));
  });
  after(() => lab?.close());

  const server = (): { host: string; port: number } => ({ host: lab.coordinator.host, port: lab.coordinator.udpPort });
  const hostOf = (nat: NatKind): Host => {
    const h = hosts.get(nat);
    assert.ok(h, `no host for ${nat}`);
    return h;
  };

  test("none: a public address, open (no NAT, no filtering)", async () => {
    const h = hostOf("none");
    const ref = await stunClient(h);
    assert.equal(ref.kind, "open", ref.primary);
    const agent = lab.agent(h);
    const { socket, port } = await agent.open();
    const nat = await agent.discover(socket, server(), h.address);
    assert.deepEqual({ address: nat.mapped.address, port: nat.mapped.port }, { address: h.address, port });
    assert.equal(nat.noNat, true);
    assert.equal(nat.mapping, "endpoint-independent");
    assert.equal(nat.filtering, "endpoint-independent");
  });

  test("eim: endpoint-independent, port-preserving mapping with address-and-port-dependent filtering", async () => {
    const h = hostOf("eim");
    const ref = await stunClient(h);
    assert.equal(ref.kind, "port-restricted", ref.primary);
    assert.equal(ref.preservesPorts, true, ref.primary);
    const agent = lab.agent(h);
    const { socket, port } = await agent.open();
    const nat = await agent.discover(socket, server(), h.address);
    assert.deepEqual({ address: nat.mapped.address, port: nat.mapped.port }, { address: h.site.publicAddress, port });
    assert.equal(nat.noNat, false);
    assert.equal(nat.mapping, "endpoint-independent");
    assert.equal(nat.filtering, "address-and-port-dependent");
  });

  test("edm: endpoint-dependent (symmetric) mapping on random ports", async () => {
    const h = hostOf("edm");
    const ref = await stunClient(h);
    assert.equal(ref.kind, "symmetric", ref.primary);
    assert.equal(ref.preservesPorts, false, ref.primary);
    const agent = lab.agent(h);
    const { socket } = await agent.open();
    const nat = await agent.discover(socket, server(), h.address);
    assert.equal(nat.mapped.address, h.site.publicAddress);
    assert.equal(nat.mapping, "address-and-port-dependent");
    assert.equal(nat.filtering, "address-and-port-dependent");
    // Symmetric for real: the same socket gets a different public port per destination.
    const alt = await agent.binding(socket, { host: lab.coordinator.altHost, port: lab.coordinator.altUdpPort });
    assert.equal(alt.mapped.address, h.site.publicAddress);
    assert.notEqual(alt.mapped.port, nat.mapped.port);
  });

  test("fullcone: endpoint-independent mapping and endpoint-independent filtering", async () => {
    const h = hostOf("fullcone");
    const ref = await stunClient(h);
    assert.equal(ref.kind, "full-cone", ref.primary);
    const agent = lab.agent(h);
    const { socket, port } = await agent.open();
    const nat = await agent.discover(socket, server(), h.address);
    assert.deepEqual({ address: nat.mapped.address, port: nat.mapped.port }, { address: h.site.publicAddress, port });
    assert.equal(nat.mapping, "endpoint-independent");
    assert.equal(nat.filtering, "endpoint-independent");
  });

  test("udp-blocked: no UDP reaches coordd, its HTTP endpoint over TCP does", async () => {
    const h = hostOf("udp-blocked");
    const ref = await stunClient(h);
    assert.equal(ref.kind, "blocked", ref.primary);
    const agent = lab.agent(h);
    const { socket } = await agent.open();
    await assert.rejects(agent.binding(socket, server(), { rtoMs: 200, rc: 3, rm: 4 }), (e: unknown) => e instanceof AgentError && e.remoteName === "StunTimeoutError");
    const health = await lab.httpGet(h.ns, `${lab.coordinator.httpUrl}/healthz`);
    assert.equal(health.ok, true, `curl exit ${health.code}`);
    assert.match(health.body, /"status":"ok"/);
  });
});
