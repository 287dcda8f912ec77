// Two hosts of one site share a LAN (they reach each other by LAN address, unNATed); a plain
// Linux NAT does not hairpin, a `hairpin: true` router does, through the public mapping.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { type AgentDatagram, type Host, NatLab, type NsAgent } from "../support/natlab/index.js";
import { sleep, waitFor } from "../support/netns.js";

let lab: NatLab;

async function arrival(agent: NsAgent, socket: number, text: string, ms = 5_000): Promise<AgentDatagram> {
  return waitFor(`"${text}" to arrive`, async () => (await agent.received(socket)).find((d) => d.text === text), ms, 50);
}

async function pair(a: Host, b: Host): Promise<{ aa: NsAgent; ab: NsAgent; sa: { socket: number; port: number }; sb: { socket: number; port: number } }> {
  const aa = lab.agent(a);
  const ab = lab.agent(b);
  return { aa, ab, sa: await aa.open(), sb: await ab.open() };
}

describe("LAN and hairpin", { concurrency: true }, () => {
  before(async () => {
    lab = await NatLab.create();
  });
  after(() => lab?.close());

  test("two hosts of a NAT site reach each other on the LAN, by LAN address", async () => {
    const site = await lab.addSite("home", { nat: "eim" });
    const a = await site.addHost("a");
    const b = await site.addHost("b");
    assert.deepEqual(site.hosts.map((h) => h.name).sort(), ["a", "b"]);
    assert.notEqual(a.address, b.address);
    const ping = await a.ns.ping(b.address, { count: 2, intervalS: 0.2 });
    assert.equal(ping.received, 2, ping.output);
    const { aa, ab, sa, sb } = await pair(a, b);
    await aa.send(sa.socket, b.address, sb.port, "over the lan");
    const got = await arrival(ab, sb.socket, "over the lan");
    assert.deepEqual({ address: got.address, port: got.port }, { address: a.address, port: sa.port });
  });

  test("a plain Linux NAT does not hairpin; a hairpin router delivers through the public mapping", async () => {
    const plain = await lab.addSite("plain", { nat: "eim" });
    const hp = await lab.addSite("hairpin", { nat: "eim", hairpin: true });
    const server = { host: lab.coordinator.host, port: lab.coordinator.udpPort };
    for (const [site, delivers] of [
      [plain, false],
      [hp, true],
    ] as const) {
      const a = await site.addHost(`${site.name}-a`);
      const b = await site.addHost(`${site.name}-b`);
      const { aa, ab, sa, sb } = await pair(a, b);
      // b's public mapping, as coordd would hand it to a peer.
      const mb = await ab.binding(sb.socket, server);
      assert.equal(mb.mapped.address, site.publicAddress);
      const text = `hairpin via ${site.name}`;
      await aa.send(sa.socket, mb.mapped.address, mb.mapped.port, text);
      if (delivers) {
        const got = await arrival(ab, sb.socket, text);
        // It came back through the router: the sender shows as the site's public address.
        assert.equal(got.address, site.publicAddress);
      } else {
        await sleep(1_500);
        assert.deepEqual((await ab.received(sb.socket)).map((d) => d.text), [], `${site.name} hairpinned:\n${await site.rules()}`);
      }
    }
  });

  test("full cone with hairpin: any LAN or internet sender reaches a learned mapping", async () => {
    const fc = await lab.addSite("cone", { nat: "fullcone", hairpin: true });
    const pub = await lab.addSite("public", { nat: "none" });
    const a = await fc.addHost("cone-a");
    const b = await fc.addHost("cone-b");
    const stranger = await pub.addHost("stranger");
    const { aa, ab, sa, sb } = await pair(a, b);
    const as = lab.agent(stranger);
    const ss = await as.open();
    const mb = await ab.binding(sb.socket, { host: lab.coordinator.host, port: lab.coordinator.udpPort });
    await aa.send(sa.socket, mb.mapped.address, mb.mapped.port, "from the lan");
    await as.send(ss.socket, mb.mapped.address, mb.mapped.port, "from a stranger");
    assert.equal((await arrival(ab, sb.socket, "from the lan")).address, fc.publicAddress);
    const got = await arrival(ab, sb.socket, "from a stranger");
    assert.deepEqual({ address: got.address, port: got.port }, { address: stranger.address, port: ss.port });
  });

  test("two LAN hosts on one port: masquerade keeps mappings per LAN endpoint, first come first served", async () => {
    const site = await lab.addSite("shared", { nat: "eim" });
    const pub = await lab.addSite("peer", { nat: "none" });
    const [a, b, peer] = await Promise.all([site.addHost("same-a"), site.addHost("same-b"), pub.addHost("peer")]);
    const server = { host: lab.coordinator.host, port: lab.coordinator.udpPort };
    const [aa, ab, ap] = [lab.agent(a), lab.agent(b), lab.agent(peer)];
    const [sa, sb, sp] = await Promise.all([aa.open(40000), ab.open(40000), ap.open()]);
    assert.equal((await aa.binding(sa.socket, server)).mapped.port, 40000);
    // b talks to a peer first: no clash there, so that flow keeps port 40000...
    await ab.send(sb.socket, peer.address, sp.port, "b first");
    const seen = await arrival(ap, sp.socket, "b first");
    assert.deepEqual({ address: seen.address, port: seen.port }, { address: site.publicAddress, port: 40000 });
    // ...but towards coordd 40000 is a's, so coordd sees b on another port: for b the NAT is
    // endpoint-dependent in this order of events.
    const mb = await ab.binding(sb.socket, server);
    assert.equal(mb.mapped.address, site.publicAddress);
    assert.notEqual(mb.mapped.port, 40000);
  });
});
