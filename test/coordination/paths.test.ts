// The paths besides the NAT matrix: two hosts on one LAN use the LAN path;
// a port mapping (miniupnpd: UPnP IGD / NAT-PMP / PCP) gives a direct path
// where two endpoint-dependent NATs would otherwise need the relay; a
// configured Endpoint keeps working while the coordinator is down; and a
// coordd restart leaves running tunnels up and the pair re-registered.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { NatLab } from "../support/natlab/index.js";
import { PLUGD_BIN, run, sleep, waitFor } from "../support/netns.js";
import { CoordinatedPlugd, timeToFirstPing } from "../support/coordinated.js";

describe("coordinated paths", () => {
  let lab: NatLab;
  before(async () => {
    lab = await NatLab.create();
  });
  after(() => lab?.close());

  test("two hosts on one LAN use the LAN path", async () => {
    const site = await lab.addSite("home", { nat: "eim" });
    const ha = await site.addHost("la");
    const hb = await site.addHost("lb");
    const ka = await lab.lab.genKeyPair();
    const kb = await lab.lab.genKeyPair();
    const a = await CoordinatedPlugd.start(lab, ha, { tag: "la", keys: ka, tunnelAddress: "10.98.0.1", metricsListen: "127.0.0.1:9586", peers: [{ keys: kb, tunnelAddress: "10.98.0.2" }] });
    const b = await CoordinatedPlugd.start(lab, hb, { tag: "lb", keys: kb, tunnelAddress: "10.98.0.2", peers: [{ keys: ka, tunnelAddress: "10.98.0.1" }] });
    await timeToFirstPing(hb, "10.98.0.1", 15_000);
    const pa = await a.waitForPath(kb.publicKey, ["lan"]);
    const pb = await b.waitForPath(ka.publicKey, ["lan"]);
    assert.equal(pa.endpoint, `${hb.address}:${(await b.status()).listenPort}`);
    assert.equal(pb.endpoint, `${ha.address}:${(await a.status()).listenPort}`);
    // The opt-in Prometheus endpoint tells the same story.
    const metrics = await ha.ns.exec("curl", ["-sS", "--max-time", "5", "http://127.0.0.1:9586/metrics"]);
    assert.match(metrics.stdout, new RegExp(`plugd_peer_path\\{interface="${a.ifname}",peer="${kb.publicKey.replace(/[+/]/g, "\\$&")}",path="lan"\\} 1`));
    assert.match(metrics.stdout, /plugd_coordinator_reachable\{[^}]*transport="udp"\} 1/);
    assert.match(metrics.stdout, /# TYPE plugd_peer_receive_bytes_total counter/);
    // plugd ping: every answering path with its RTT, exit 0 once direct (here: lan).
    const ping = await run(PLUGD_BIN, ["ping", a.ifname, kb.publicKey, "--timeout", "5"]);
    assert.match(ping.stdout, new RegExp(`pong from lan ${hb.address.replace(/\./g, "\\.")}:\\d+: [\\d.]+ ms`));
    assert.match(ping.stdout, /^path: lan via /m);
    const missing = await ha.ns.exec("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:9586/"], { allowFailure: true });
    assert.equal(missing.stdout, "404");
    await a.stop();
    await b.stop();
  });

  test("a port mapping gives a direct path between two endpoint-dependent NATs", async () => {
    const mapped = await lab.addSite("upnp", { nat: "edm", upnp: true });
    const other = await lab.addSite("sym", { nat: "edm" });
    const ha = await mapped.addHost("ma");
    const hb = await other.addHost("mb");
    const ka = await lab.lab.genKeyPair();
    const kb = await lab.lab.genKeyPair();
    const a = await CoordinatedPlugd.start(lab, ha, { tag: "ma", keys: ka, tunnelAddress: "10.97.0.1", portMapping: "auto", peers: [{ keys: kb, tunnelAddress: "10.97.0.2" }] });
    // The mapping first, so the candidates the peer gets already carry it.
    const s = await waitFor("a port mapping", async () => {
      const st = await a.status();
      return st.portMapping.external !== null ? st : undefined;
    }, 15_000);
    assert.equal(s.portMapping.external?.split(":")[0], mapped.publicAddress);
    // plugd netcheck measures the NAT from the WireGuard socket against coordd's two addresses.
    // A measurement is a handful of STUN exchanges; on a loaded machine one can time out, so a few tries.
    type Netcheck = { nat: { mapping: string; error?: string } | null; portMapping: { method: string | null } };
    let nc: Netcheck | undefined;
    const tries: string[] = [];
    for (let i = 0; i < 3 && nc?.nat?.mapping !== "address-and-port-dependent"; i++) {
      nc = JSON.parse((await run(PLUGD_BIN, ["netcheck", a.ifname, "--json"])).stdout) as Netcheck;
      tries.push(JSON.stringify(nc.nat));
    }
    if (nc?.nat?.mapping !== "address-and-port-dependent") {
      // The router's view, should this site's UDP to coordd go dead again (test/natlab/bridge-mac.test.ts).
      const conntrack = await mapped.routerNs.exec("cat", ["/proc/net/nf_conntrack"], { allowFailure: true });
      tries.push(`router ruleset:\n${await mapped.rules()}`, `router conntrack:\n${conntrack.stdout}`, `router neighbours:\n${await mapped.routerNs.ip(["neigh"])}`);
      tries.push(`internet links:\n${await lab.internet.ip(["link"])}`);
    }
    assert.equal(nc?.nat?.mapping, "address-and-port-dependent", tries.join("\n"));
    assert.notEqual(nc?.portMapping.method, null);
    const b = await CoordinatedPlugd.start(lab, hb, { tag: "mb", keys: kb, tunnelAddress: "10.97.0.2", peers: [{ keys: ka, tunnelAddress: "10.97.0.1" }] });
    await timeToFirstPing(hb, "10.97.0.1", 15_000);
    const pb = await b.waitForPath(ka.publicKey, ["mapped"]);
    assert.equal(pb.endpoint, s.portMapping.external);
    await a.waitForPath(kb.publicKey, ["direct", "mapped"]);
    await b.stop();
    // Shutdown deletes the mapping at the router.
    await a.stop();
    const rules = await mapped.routerNs.exec("nft", ["list", "chain", "inet", "natlab", "prerouting_miniupnpd"], { allowFailure: true });
    assert.doesNotMatch(rules.stdout, new RegExp(`dport ${s.portMapping.external?.split(":")[1] ?? "x"}\\b`), rules.stdout);
  });

  test("a configured Endpoint works with the coordinator down, and a coordd restart keeps tunnels up", async () => {
    const pub = await lab.addSite("srv", { nat: "none" });
    const home = await lab.addSite("cli", { nat: "eim" });
    const hs = await pub.addHost("srv");
    const hc = await home.addHost("cli");
    const ks = await lab.lab.genKeyPair();
    const kc = await lab.lab.genKeyPair();
    const server = await CoordinatedPlugd.start(lab, hs, { tag: "sv", keys: ks, tunnelAddress: "10.96.0.1", listenPort: 51820, peers: [{ keys: kc, tunnelAddress: "10.96.0.2" }] });
    const client = await CoordinatedPlugd.start(lab, hc, {
      tag: "cl",
      keys: kc,
      tunnelAddress: "10.96.0.2",
      peers: [{ keys: ks, tunnelAddress: "10.96.0.1", endpoint: `${hs.address}:51820` }],
    });
    await timeToFirstPing(hc, "10.96.0.1", 10_000);
    await client.waitForPath(ks.publicKey, ["direct"]);

    await lab.coordd.stop();
    await sleep(1_000);
    const during = await hc.ns.ping("10.96.0.1", { count: 10, intervalS: 0.1 });
    assert.equal(during.received, 10, during.output);

    // A client started while coordd is down still reaches its configured endpoint.
    const late = await home.addHost("late");
    const kl = await lab.lab.genKeyPair();
    await server.stop();
    const server2 = await CoordinatedPlugd.start(lab, hs, {
      tag: "s2",
      keys: ks,
      tunnelAddress: "10.96.0.1",
      listenPort: 51820,
      peers: [{ keys: kc, tunnelAddress: "10.96.0.2" }, { keys: kl, tunnelAddress: "10.96.0.3" }],
    });
    const lateClient = await CoordinatedPlugd.start(lab, late, {
      tag: "lt",
      keys: kl,
      tunnelAddress: "10.96.0.3",
      peers: [{ keys: ks, tunnelAddress: "10.96.0.1", endpoint: `${hs.address}:51820` }],
    });
    await timeToFirstPing(late, "10.96.0.1", 10_000);

    await lab.restartCoordinator();
    // Both sides re-register (new cookies, new sessions) and the pair is pushed again.
    await waitFor("server re-registered", async () => ((await server2.status()).coordinator?.reachable === true ? true : undefined), 40_000);
    await waitFor("late client re-registered", async () => ((await lateClient.status()).coordinator?.reachable === true ? true : undefined), 40_000);
    const after = await late.ns.ping("10.96.0.1", { count: 10, intervalS: 0.1 });
    assert.equal(after.received, 10, after.output);
    await Promise.all([client.stop(), lateClient.stop(), server2.stop()]);
  });
});
