// The lab's bridges keep their MAC address when ports join. A Linux bridge left to itself takes
// the lowest MAC of its ports: a site added later with a lower one (or a host joining a LAN) moved
// the internet bridge's MAC, the earlier routers' ARP entries for coordd went on naming the old
// one, and the bridge dropped their frames as not its own — an intermittent "no STUN response"
// for a whole test. Here a joining port gets the lowest locally administered MAC on purpose.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { NatLab } from "../support/natlab/index.js";
import type { Netns } from "../support/netns.js";

let lab: NatLab | undefined;
after(() => lab?.close());

const LOWEST_MAC = "02:00:00:00:00:01";
const HIGHEST_MAC = "fe:ff:ff:ff:ff:fe";

/** The port that joined `bridge` last (highest ifindex). */
async function newestPort(ns: Netns, bridge: string): Promise<string> {
  const ports = [...(await ns.ip(["-o", "link", "show", "master", bridge])).matchAll(/^\d+: ([^:@\s]+)/gm)].map((m) => m[1]!);
  assert.ok(ports.length > 0, `no ports on ${bridge}`);
  return ports[ports.length - 1]!;
}

async function mac(ns: Netns, dev: string): Promise<string> {
  const m = /link\/ether ([0-9a-f:]{17})/.exec(await ns.ip(["link", "show", dev]));
  assert.ok(m, `no MAC for ${dev}`);
  return m[1]!;
}

test("a joining port with a lower MAC moves no bridge's address, and earlier hosts keep their gateway and coordd", async () => {
  lab = await NatLab.create();
  await lab.addSite("home", { nat: "eim" });
  const cafe = await lab.addSite("cafe", { nat: "eim" });
  // The cafe router's own port must not be the one whose MAC a bridge would have borrowed: a frame
  // that arrives on the port owning its destination MAC is taken as the host's and still works.
  await lab.internet.ip(["link", "set", await newestPort(lab.internet, lab.internetIf), "address", HIGHEST_MAC]);
  const laptop = await cafe.addHost("laptop");
  await cafe.routerNs.ip(["link", "set", await newestPort(cafe.routerNs, cafe.lanIf), "address", HIGHEST_MAC]);
  assert.equal((await cafe.addHost("tablet")).site, cafe);
  const server = { host: lab.coordinator.host, port: lab.coordinator.udpPort };
  const agent = lab.agent(laptop);
  const { socket } = await agent.open();
  // The laptop resolves its gateway's MAC and the cafe router coordd's, and both keep them cached.
  assert.equal((await agent.binding(socket, server)).mapped.address, cafe.publicAddress);
  const internetMac = await mac(lab.internet, lab.internetIf);
  const gatewayMac = await mac(cafe.routerNs, cafe.lanIf);

  assert.equal((await lab.addSite("later", { nat: "eim" })).name, "later");
  await lab.internet.ip(["link", "set", await newestPort(lab.internet, lab.internetIf), "address", LOWEST_MAC]);
  assert.equal((await cafe.addHost("phone")).site, cafe);
  await cafe.routerNs.ip(["link", "set", await newestPort(cafe.routerNs, cafe.lanIf), "address", LOWEST_MAC]);

  const ping = await laptop.ns.ping(cafe.gateway, { count: 1 });
  assert.equal(ping.received, 1, ping.output);
  assert.equal((await agent.binding(socket, server)).mapped.address, cafe.publicAddress);
  assert.equal(await mac(lab.internet, lab.internetIf), internetMac);
  assert.equal(await mac(cafe.routerNs, cafe.lanIf), gatewayMac);
});
