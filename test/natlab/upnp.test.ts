// miniupnpd on a site router answers the reference clients (UPnP IGD and NAT-PMP) with the
// router's public address, and a mapping it creates opens a way in through an endpoint-dependent
// NAT that drops the same datagram without it.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { type Host, NatLab, type Site } from "../support/natlab/index.js";
import { sleep, waitFor } from "../support/netns.js";

let lab: NatLab;
let site: Site;
let host: Host;
let outsider: Host;

describe("miniupnpd on a site router", () => {
  before(async () => {
    lab = await NatLab.create();
    site = await lab.addSite("home", { nat: "edm", upnp: true });
    host = await site.addHost("a");
    outsider = await (await lab.addSite("public", { nat: "none" })).addHost("outsider");
  });
  after(() => lab?.close());

  test("upnpc finds the IGD and reads the router's public address", async () => {
    const r = await host.ns.exec("upnpc", ["-i", "-s"]);
    assert.match(r.stdout, new RegExp(`ExternalIPAddress = ${site.publicAddress.replaceAll(".", "\\.")}\\b`), r.stdout);
    assert.match(r.stdout, new RegExp(`Local LAN ip address : ${host.address.replaceAll(".", "\\.")}\\b`));
  });

  test("natpmpc gets the public address from the gateway", async () => {
    const r = await host.ns.exec("natpmpc", ["-g", site.gateway]);
    assert.match(r.stdout, new RegExp(`Public IP address : ${site.publicAddress.replaceAll(".", "\\.")}\\b`), r.stdout);
  });

  test("a UPnP mapping lets an outsider in through the endpoint-dependent NAT", async () => {
    const internalPort = 41000;
    const inside = lab.agent(host);
    const { socket } = await inside.open(internalPort);
    const out = lab.agent(outsider);
    const o = await out.open();
    // Without a mapping the router drops it (and nothing else on the path answers).
    await out.send(o.socket, site.publicAddress, internalPort, "before mapping");
    await sleep(1_000);
    assert.deepEqual(await inside.received(socket), []);

    const add = await host.ns.exec("upnpc", ["-i", "-e", "natlab", "-a", host.address, String(internalPort), String(internalPort), "UDP", "600"], { allowFailure: true });
    assert.equal(add.code, 0, `${add.stdout}\n${site.miniupnpd?.output.slice(-2000) ?? ""}`);
    const list = await host.ns.exec("upnpc", ["-i", "-l"]);
    assert.match(list.stdout, new RegExp(`UDP\\s+${internalPort}->${host.address.replaceAll(".", "\\.")}:${internalPort}`), list.stdout);
    assert.match(await site.rules(), new RegExp(`dport ${internalPort} dnat ip to ${host.address.replaceAll(".", "\\.")}:${internalPort}`));

    await out.send(o.socket, site.publicAddress, internalPort, "through the mapping");
    const got = await waitFor("the datagram through the mapping", async () => (await inside.received(socket)).find((d) => d.text === "through the mapping"), 5_000, 50);
    assert.deepEqual({ address: got.address, port: got.port }, { address: outsider.address, port: o.port });

    await host.ns.exec("upnpc", ["-i", "-d", String(internalPort), "UDP"]);
    assert.doesNotMatch(await site.rules(), new RegExp(`dport ${internalPort} dnat`));
  });
});
