// Cryptokey routing with more than one peer: hub A (implementation A of the pair) with spokes
// B and C (implementation B). Traffic goes only to the peer that owns the destination, allowed
// IPs are exclusive (giving C's address to B takes it from C), and A's source check then drops
// C's packets from that address.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type Lab, type Netns, type WgInterface, type ImplPair } from "../support/netns.js";
import { inLab, pairsUnderTest } from "../support/scenario.js";

interface Node {
  readonly iface: WgInterface;
  readonly ns: Netns;
  readonly addr: string;
  readonly port: number;
}

async function hubAndSpokes(lab: Lab, pair: ImplPair): Promise<{ a: Node; b: Node; c: Node }> {
  const ns0 = await lab.netns("n0");
  const spaces = await Promise.all(["na", "nb", "nc"].map((tag) => lab.netns(tag)));
  const ifaces = await Promise.all([lab.startInterface(pair.a, ns0, "a"), lab.startInterface(pair.b, ns0, "b"), lab.startInterface(pair.b, ns0, "c")]);
  const nodes = ifaces.map((iface, i) => ({ iface, ns: spaces[i]!, addr: `192.168.241.${i + 1}`, port: 10000 + i })) as [Node, Node, Node];
  const [a, b, c] = nodes;
  await a.iface.configure({
    listenPort: a.port,
    peers: [
      { publicKey: b.iface.keys.publicKey, allowedIps: [`${b.addr}/32`], endpoint: `127.0.0.1:${b.port}` },
      { publicKey: c.iface.keys.publicKey, allowedIps: [`${c.addr}/32`, "10.99.0.0/16"], endpoint: `127.0.0.1:${c.port}` },
    ],
  });
  for (const s of [b, c]) {
    await s.iface.configure({ listenPort: s.port, peers: [{ publicKey: a.iface.keys.publicKey, allowedIps: ["192.168.241.0/24", "10.99.0.0/16"], endpoint: `127.0.0.1:${a.port}` }] });
  }
  for (const n of nodes) {
    await ns0.moveLink(n.iface.name, n.ns);
    await n.ns.addAddress(n.iface.name, `${n.addr}/24`);
    await n.ns.linkUp(n.iface.name);
  }
  await c.ns.addAddress(c.iface.name, "10.99.1.1/32");
  await a.ns.ip(["route", "add", "10.99.0.0/16", "dev", a.iface.name]);
  return { a, b, c };
}

for (const pair of pairsUnderTest()) {
  test(`${pair.label}: ${pair.a} hub routes to the right spoke; allowed IPs exclusive; source check`, async (t) => {
    await inLab(t, async (lab) => {
      const { a, b, c } = await hubAndSpokes(lab, pair);
      const bKey = b.iface.keys.publicKey;
      const cKey = c.iface.keys.publicKey;

      for (const target of [b.addr, c.addr, "10.99.1.1"]) {
        const r = await a.ns.ping(target);
        assert.equal(r.received, r.requested, `${target}: ${r.output}`);
      }
      const bBefore = await a.iface.transfer(bKey);
      const onlyC = await a.ns.ping("10.99.1.1", { count: 5 });
      assert.equal(onlyC.received, 5, onlyC.output);
      assert.deepEqual(await a.iface.transfer(bKey), bBefore, "traffic for C's subnet never went to B");

      // Exclusive: giving C's address to B removes it from C.
      await a.iface.set(["peer", bKey, "allowed-ips", `${b.addr}/32,${c.addr}/32`]);
      const allowed = await a.iface.showField("allowed-ips");
      assert.deepEqual(allowed.get(cKey)?.split(" "), ["10.99.0.0/16"]);
      assert.deepEqual(allowed.get(bKey)?.split(" ").sort(), [`${b.addr}/32`, `${c.addr}/32`].sort());

      // C's packets from c.addr now fail A's source check; its other address still passes.
      const cBefore = await a.iface.transfer(cKey);
      const blocked = await c.ns.ping(a.addr, { count: 3, waitS: 1 });
      assert.equal(blocked.received, 0, `source check let C use B's address: ${blocked.output}`);
      assert.ok((await a.iface.transfer(cKey)).rx > cBefore.rx, "the packets did arrive and were authenticated, then dropped");
      const fromSubnet = await c.ns.exec("ping", ["-n", "-q", "-c", "3", "-i", "0.2", "-W", "2", "-I", "10.99.1.1", a.addr], { allowFailure: true });
      assert.match(fromSubnet.stdout, /3 received/, fromSubnet.stdout);

      // And back: re-adding the address to C moves it again.
      await a.iface.set(["peer", cKey, "allowed-ips", `${c.addr}/32,10.99.0.0/16`]);
      const restored = await c.ns.ping(a.addr);
      assert.equal(restored.received, restored.requested, restored.output);
      assert.deepEqual((await a.iface.showField("allowed-ips")).get(bKey)?.split(" "), [`${b.addr}/32`]);
    });
  });
}
