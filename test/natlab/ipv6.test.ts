// Sites with `ipv6: true` route 2001:db8:i::/64 untranslated behind a stateful filter: an unsolicited
// datagram is dropped, one that follows the receiver's own outbound datagram (a punch) gets
// through, with the sender's real address; a NAT-less site is open; roaming readdresses IPv6 too.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { type AgentDatagram, NatLab, type NsAgent } from "../support/natlab/index.js";
import { sleep, waitFor } from "../support/netns.js";

let lab: NatLab | undefined;
after(() => lab?.close());

function arrival(agent: NsAgent, socket: number, text: string): Promise<AgentDatagram> {
  return waitFor(`"${text}" to arrive`, async () => (await agent.received(socket)).find((d) => d.text === text), 5_000, 50);
}

test("IPv6 between sites: stateful filtering, punching, open public sites, roaming", async () => {
  lab = await NatLab.create();
  const home = await lab.addSite("home", { nat: "eim", ipv6: true });
  const cafe = await lab.addSite("cafe", { nat: "edm", ipv6: true });
  const street = await lab.addSite("street", { nat: "none", ipv6: true });
  const legacy = await lab.addSite("legacy", { nat: "eim" });
  const a = await home.addHost("a");
  const b = await cafe.addHost("b");
  const d = await street.addHost("d");
  const c = await legacy.addHost("c");
  assert.ok(a.address6 && b.address6 && d.address6);
  assert.equal(c.address6, undefined);
  assert.equal((await c.ns.ip(["-6", "addr", "show", "scope", "global"])).trim(), "");

  const [aa, ab, ad] = [lab.agent(a), lab.agent(b), lab.agent(d)];
  const [sa, sb, sd] = await Promise.all([aa.open(0, { family: 6 }), ab.open(0, { family: 6 }), ad.open(0, { family: 6 })]);

  // Unsolicited: cafe's router drops it.
  await aa.send(sa.socket, b.address6, sb.port, "unsolicited");
  await sleep(1_000);
  assert.deepEqual(await ab.received(sb.socket), []);
  // b sends first (dropped at home, but it opens cafe's filter), then a's datagram gets in.
  await ab.send(sb.socket, a.address6, sa.port, "punch");
  await aa.send(sa.socket, b.address6, sb.port, "after the punch");
  const got = await arrival(ab, sb.socket, "after the punch");
  assert.deepEqual({ address: got.address, port: got.port }, { address: a.address6, port: sa.port });
  await ab.send(sb.socket, a.address6, sa.port, "reply");
  assert.equal((await arrival(aa, sa.socket, "reply")).address, b.address6);

  // A site without NAT is open over IPv6 as over IPv4.
  await aa.send(sa.socket, d.address6, sd.port, "to the street");
  assert.equal((await arrival(ad, sd.socket, "to the street")).address, a.address6);

  // Roaming readdresses IPv6 as well: a moves to the cafe's prefix, then to a v4-only site.
  await a.moveTo(cafe);
  assert.ok(a.address6?.startsWith(cafe.addressing.lan6Cidr.replace("/64", "")), a.address6);
  assert.match(await a.ns.ip(["-6", "route", "show", "default"]), new RegExp(`via ${cafe.addressing.gateway6} dev ${a.iface}`));
  await a.moveTo(legacy);
  assert.equal(a.address6, undefined);
  assert.equal((await a.ns.ip(["-6", "addr", "show", "scope", "global"])).trim(), "");
});
