// host.moveTo(site) moves a host between LANs: the same local socket's public mapping follows it
// (site A's router, then B's, then its own public address on a NAT-less site, then offline, then
// A again), and only the current link is up and addressed.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { NatLab } from "../support/natlab/index.js";

let lab: NatLab | undefined;
after(() => lab?.close());

test("roaming moves the host's public mapping from site to site", async () => {
  lab = await NatLab.create();
  const home = await lab.addSite("home", { nat: "eim" });
  const cafe = await lab.addSite("cafe", { nat: "edm" });
  const street = await lab.addSite("street", { nat: "none" });
  const laptop = await home.addHost("laptop");
  const server = { host: lab.coordinator.host, port: lab.coordinator.udpPort };
  const agent = lab.agent(laptop);
  const { socket, port } = await agent.open();

  const atHome = await agent.binding(socket, server);
  assert.deepEqual({ address: atHome.mapped.address, port: atHome.mapped.port }, { address: home.publicAddress, port });
  const homeAddress = laptop.address;

  await laptop.moveTo(cafe);
  assert.equal(laptop.site, cafe);
  assert.deepEqual(home.hosts, []);
  assert.deepEqual(cafe.hosts, [laptop]);
  const atCafe = await agent.binding(socket, server);
  assert.equal(atCafe.mapped.address, cafe.publicAddress);
  // One address, on one link: the home link went down with its address.
  const addrs = await laptop.ns.ip(["-4", "-o", "addr", "show", "scope", "global"]);
  assert.equal(addrs.trim().split("\n").length, 1, addrs);
  assert.match(addrs, new RegExp(`${laptop.iface} .*inet ${laptop.address.replaceAll(".", "\\.")}/`));
  const route = await laptop.ns.ip(["route", "show", "default"]);
  assert.match(route, new RegExp(`via ${cafe.gateway.replaceAll(".", "\\.")} dev ${laptop.iface}`));

  await laptop.moveTo(street);
  const onStreet = await agent.binding(socket, server);
  assert.deepEqual({ address: onStreet.mapped.address, port: onStreet.mapped.port }, { address: laptop.address, port });

  // Offline: no address, no route, nothing reaches coordd; moveTo brings it back.
  await laptop.offline();
  assert.equal(laptop.siteIfJoined, undefined);
  assert.deepEqual(street.hosts, []);
  assert.equal((await laptop.ns.ip(["-4", "-o", "addr", "show", "scope", "global"])).trim(), "");
  await assert.rejects(agent.binding(socket, server, { rtoMs: 100, rc: 2, rm: 2 }));

  await laptop.moveTo(home);
  assert.equal(laptop.address, homeAddress);
  const back = await agent.binding(socket, server);
  assert.equal(back.mapped.address, home.publicAddress);
  assert.equal(laptop.allLinks.size, 3);
});
