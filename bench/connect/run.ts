// npm run bench:connect — how fast plugd pairs connect and recover, in the
// NAT lab (test/support/natlab): per NAT pair, the time from spawning the
// second plugd to the first ping reply through the tunnel (a 20 ms ping
// stream starts as soon as the tunnel address exists); per roam, the longest
// gap in a 20 ms ping stream while the laptop moves between networks.
// Medians and maxima over --rounds (default 3); a table and a JSON file in
// bench-results/. Targets (issue 5): first ping ≤ 1 s direct, ≤ 2 s relayed;
// roam gap < 1 s.
import { NatLab, type NatKind, type Site } from "../../test/support/natlab/index.js";
import { sleep } from "../../test/support/netns.js";
import { CoordinatedPlugd, pingStream, waitForRoute } from "../../test/support/coordinated.js";
import { writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../../test/support/netns.js";
import { argValue, fmt, machine, summarise, table, writeResult } from "../lib/stats.js";

/** Daemon logs of a run that missed its target, for the reader of the table. */
function keepLogs(name: string, logs: Record<string, string>): void {
  const dir = join(REPO_ROOT, "bench-results");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `connect-${name.replace(/[^a-z0-9]+/gi, "_")}-${Date.now()}.log`);
  writeFileSync(file, Object.entries(logs).map(([k, v]) => `==== ${k}\n${v}`).join("\n"));
  process.stderr.write(`  (logs: ${file})\n`);
}

const rounds = Number(argValue(process.argv, "--rounds") ?? "3");
const only = argValue(process.argv, "--only");

interface Pairing {
  readonly name: string;
  readonly a: NatKind | "same-lan";
  readonly b: NatKind | "same-lan";
  readonly target: "direct" | "relayed";
}

const PAIRINGS: readonly Pairing[] = [
  { name: "same LAN (eim)", a: "same-lan", b: "same-lan", target: "direct" },
  { name: "none ↔ none", a: "none", b: "none", target: "direct" },
  { name: "eim ↔ eim", a: "eim", b: "eim", target: "direct" },
  { name: "eim ↔ fullcone", a: "eim", b: "fullcone", target: "direct" },
  { name: "edm ↔ fullcone", a: "edm", b: "fullcone", target: "direct" },
  { name: "edm ↔ edm (relay-udp)", a: "edm", b: "edm", target: "relayed" },
  { name: "eim ↔ udp-blocked (relay-ws)", a: "eim", b: "udp-blocked", target: "relayed" },
];

const ROAMS: readonly { name: string; from: NatKind; to: NatKind }[] = [
  { name: "eim → eim", from: "eim", to: "eim" },
  { name: "eim → fullcone", from: "eim", to: "fullcone" },
  { name: "eim → edm (relay)", from: "eim", to: "edm" },
];

async function main(): Promise<void> {
  const lab = await NatLab.create({ coorddLogLevel: "warn" });
  let n = 0;
  const sites = new Map<string, Site>();
  const siteFor = async (kind: NatKind, tag: string): Promise<Site> => {
    const key = `${kind}-${tag}`;
    let s = sites.get(key);
    if (s === undefined) {
      s = await lab.addSite(`${kind === "udp-blocked" ? "blk" : kind}-${tag}`, { nat: kind });
      sites.set(key, s);
    }
    return s;
  };
  const connect: Record<string, { firstPingMs: number[]; readyMs: number[]; paths: string[] }> = {};
  const roams: Record<string, { gapMs: number[]; replies: number[] }> = {};
  try {
    for (let r = 0; r < rounds; r++) {
      for (const p of PAIRINGS.filter((x) => only === undefined || x.name.includes(only))) {
        n++;
        const sa = p.a === "same-lan" ? await siteFor("eim", "lan") : await siteFor(p.a, "a");
        const sb = p.b === "same-lan" ? sa : await siteFor(p.b, "b");
        const ha = await sa.addHost(`c${n}a`);
        const hb = await sb.addHost(`c${n}b`);
        const ka = await lab.lab.genKeyPair();
        const kb = await lab.lab.genKeyPair();
        const a = await CoordinatedPlugd.start(lab, ha, { tag: `c${n}a`, keys: ka, tunnelAddress: "10.90.0.1", peers: [{ keys: kb, tunnelAddress: "10.90.0.2" }] });
        await sleep(1_500); // a is registered and idle, as a home server would be
        const b = await CoordinatedPlugd.start(lab, hb, { tag: `c${n}b`, keys: kb, tunnelAddress: "10.90.0.2", peers: [{ keys: ka, tunnelAddress: "10.90.0.1" }] });
        await waitForRoute(hb, "10.90.0.1", b.ifname);
        const stream = pingStream(lab, hb, "10.90.0.1", 20);
        await sleep(4_000);
        const res = await stream.stop();
        const path = (await b.peer(ka.publicKey)).path;
        const entry = (connect[p.name] ??= { firstPingMs: [], readyMs: [], paths: [] });
        entry.firstPingMs.push(res.times[0] === undefined ? Number.NaN : res.times[0] - b.startedAt);
        entry.readyMs.push(b.readyAt - b.startedAt);
        entry.paths.push(path);
        await Promise.all([a.stop(), b.stop()]);
        process.stderr.write(`connect ${p.name}: ${fmt(entry.firstPingMs.at(-1) ?? Number.NaN)} ms (${path})\n`);
        const limit = p.target === "direct" ? 1000 : 2000;
        if (!((entry.firstPingMs.at(-1) ?? Infinity) <= limit)) {
          const metrics = await lab.httpGet(lab.internet, `${lab.coordinator.httpUrl}/metrics`);
          const net = async (h: typeof ha): Promise<string> =>
            [
              (await h.ns.exec("ip", ["-br", "addr"], { allowFailure: true })).stdout,
              (await h.ns.exec("ip", ["route"], { allowFailure: true })).stdout,
              (await h.ns.ping(lab.coordinator.host, { count: 1, waitS: 1 })).output,
              `gateway: ${(await h.ns.ping(h.site.gateway, { count: 1, waitS: 1 })).received}`,
              (await h.ns.exec("ip", ["neigh"], { allowFailure: true })).stdout,
              (await h.site.routerNs.exec("ip", ["-br", "link"], { allowFailure: true })).stdout,
              (await h.site.routerNs.exec("ip", ["-br", "addr"], { allowFailure: true })).stdout,
              (await h.site.routerNs.exec("bridge", ["link"], { allowFailure: true })).stdout,
            ].join("\n");
          keepLogs(p.name, { a: a.daemon.output, b: b.daemon.output, ping: res.output.slice(0, 2000), "coordd /metrics": metrics.body, "a net": await net(ha), "b net": await net(hb) });
        }
      }
      for (const roam of ROAMS.filter((x) => only === undefined || x.name.includes(only))) {
        n++;
        const home = await siteFor("eim", "home");
        const from = await siteFor(roam.from, "from");
        const to = await siteFor(roam.to, "to");
        const hs = await home.addHost(`r${n}s`);
        const hl = await from.addHost(`r${n}l`);
        const ks = await lab.lab.genKeyPair();
        const kl = await lab.lab.genKeyPair();
        const s = await CoordinatedPlugd.start(lab, hs, { tag: `r${n}s`, keys: ks, tunnelAddress: "10.91.0.1", peers: [{ keys: kl, tunnelAddress: "10.91.0.2" }] });
        const l = await CoordinatedPlugd.start(lab, hl, { tag: `r${n}l`, keys: kl, tunnelAddress: "10.91.0.2", peers: [{ keys: ks, tunnelAddress: "10.91.0.1" }] });
        await waitForRoute(hl, "10.91.0.1", l.ifname);
        const warm = pingStream(lab, hl, "10.91.0.1", 20);
        await sleep(3_000);
        await warm.stop();
        const stream = pingStream(lab, hl, "10.91.0.1", 20);
        await sleep(1_000);
        await hl.moveTo(to);
        await sleep(5_000);
        const res = await stream.stop();
        const entry = (roams[roam.name] ??= { gapMs: [], replies: [] });
        entry.gapMs.push(res.longestGapMs);
        entry.replies.push(res.replies);
        await Promise.all([s.stop(), l.stop()]);
        process.stderr.write(`roam ${roam.name}: gap ${res.longestGapMs} ms\n`);
        if (res.longestGapMs >= 1000) keepLogs(`roam ${roam.name}`, { server: s.daemon.output, laptop: l.daemon.output });
      }
    }
  } finally {
    await lab.close();
  }

  const rows = PAIRINGS.map((p) => {
    const e = connect[p.name];
    const s = summarise(e?.firstPingMs ?? []);
    const ready = summarise(e?.readyMs ?? []);
    const limit = p.target === "direct" ? 1000 : 2000;
    return [p.name, [...new Set(e?.paths ?? [])].join("/"), fmt(ready.median), fmt(s.median), fmt(s.max), String(limit), s.max <= limit ? "met" : "missed"];
  });
  const roamRows = ROAMS.map((r) => {
    const s = summarise(roams[r.name]?.gapMs ?? []);
    return [r.name, fmt(s.median), fmt(s.max), "1000", s.max < 1000 ? "met" : "missed"];
  });
  process.stdout.write(`\nFirst ping through the tunnel after spawning the second plugd (ms, ${rounds} rounds)\n`);
  process.stdout.write(`${table(["pair", "path", "process ready", "first ping median", "max", "target", ""], rows)}\n`);
  process.stdout.write("(process ready: spawn until plugd's UAPI socket exists, i.e. Node start-up and interface creation)\n");
  process.stdout.write(`\nLongest gap in a 20 ms ping stream across a roam (ms, ${rounds} rounds)\n`);
  process.stdout.write(`${table(["roam", "median", "max", "target", ""], roamRows)}\n`);
  const file = writeResult("connect", { machine: machine(), rounds, connect, roams });
  process.stdout.write(`\nJSON: ${file}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:connect: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
