// `npm run demo`: plug's whole story in network namespaces this script
// creates and removes (root required), with nothing configured but keys,
// tunnel addresses and a coordinator:
//
//   internet   coordd (203.0.113.1 + 198.51.100.1): STUN, rendezvous, relay
//   home       a home router (NAT: endpoint-independent) with the home server
//   wifi       a Wi-Fi network (NAT: endpoint-independent) with the laptop
//   hotspot    a phone hotspot behind a carrier NAT (endpoint-dependent, i.e.
//              symmetric: no hole punch can work against it from home)
//   cafe       a café network (full-cone NAT)
//
// The laptop connects to the home server (hole punch, direct path), roams to
// the hotspot while pinging every 20 ms (the pair falls back to coordd's
// relay), then to the café (the pair upgrades to a direct path again). A
// status line per half second shows what `plugd status` reports.
import { NatLab, type Host } from "../test/support/natlab/index.js";
import { requirePrerequisites, sleep } from "../test/support/netns.js";
import { CoordinatedPlugd, pingStream, waitForRoute } from "../test/support/coordinated.js";

const t0 = Date.now();
const say = (msg: string): void => {
  process.stdout.write(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(5)} s] ${msg}\n`);
};

async function main(): Promise<void> {
  requirePrerequisites(["plugd"]);
  say("building the lab: internet with coordd, home, wifi, hotspot and café networks");
  const lab = await NatLab.create({ coorddLogLevel: "warn" });
  const stop = (): void => {
    void lab.close().then(() => process.exit(130));
  };
  process.once("SIGINT", stop);
  try {
    await demo(lab);
  } finally {
    say("tearing down the lab");
    await lab.close();
  }
}

async function demo(lab: NatLab): Promise<void> {
  const home = await lab.addSite("home", { nat: "eim" });
  const wifi = await lab.addSite("wifi", { nat: "eim" });
  const hotspot = await lab.addSite("hotspot", { nat: "edm" });
  const cafe = await lab.addSite("cafe", { nat: "fullcone" });
  const serverHost = await home.addHost("server");
  const laptopHost = await wifi.addHost("laptop");
  const c = lab.coordinator;
  say(`coordd at ${c.host}:${c.udpPort} (key ${c.publicKeyBase64.slice(0, 8)}…); home ${home.publicAddress}, wifi ${wifi.publicAddress}, hotspot ${hotspot.publicAddress}, café ${cafe.publicAddress}`);

  const serverKeys = await lab.lab.genKeyPair();
  const laptopKeys = await lab.lab.genKeyPair();
  say("starting plugd on the home server (no Endpoint for the laptop: it moves)");
  const server = await CoordinatedPlugd.start(lab, serverHost, {
    tag: "srv",
    keys: serverKeys,
    tunnelAddress: "10.99.0.1",
    peers: [{ keys: laptopKeys, tunnelAddress: "10.99.0.2" }],
  });
  await sleep(1_000);
  say("starting plugd on the laptop (no Endpoint for the server either: coordd finds it)");
  const laptop = await CoordinatedPlugd.start(lab, laptopHost, {
    tag: "lap",
    keys: laptopKeys,
    tunnelAddress: "10.99.0.2",
    peers: [{ keys: serverKeys, tunnelAddress: "10.99.0.1" }],
  });
  await waitForRoute(laptopHost, "10.99.0.1", laptop.ifname);
  const live = liveStatus(laptop, server, serverKeys.publicKey, laptopKeys.publicKey);
  const stream = pingStream(lab, laptopHost, "10.99.0.1", 20);
  try {
    await sleep(3_000);
    await roam(laptopHost, hotspot, "the hotspot (symmetric carrier NAT: expect the relay)");
    await sleep(6_000);
    await roam(laptopHost, cafe, "the café (full-cone NAT: expect a direct path again)");
    await sleep(6_000);
  } finally {
    live.stop();
  }
  const r = await stream.stop();
  const first = r.times[0];
  say(`first ping reply ${first === undefined ? "never" : `${Math.round(first - laptop.startedAt)} ms`} after the laptop's plugd was started`);
  for (const [i, at] of roamTimes.entries()) {
    // The roam's outage: the longest silence between replies from the last one before the move until the next roam.
    const end = roamTimes[i + 1] ?? Infinity;
    const window = [r.times.filter((t) => t <= at).at(-1) ?? at, ...r.times.filter((t) => t > at && t <= end)];
    let gap = 0;
    for (let k = 1; k < window.length; k++) gap = Math.max(gap, (window[k] ?? 0) - (window[k - 1] ?? 0));
    say(`roam ${i + 1}: longest gap in the 20 ms ping stream ${Math.round(gap)} ms`);
  }
  say(`ping stream: ${r.replies} replies, longest gap ${r.longestGapMs} ms`);
  const final = await laptop.quickStatus();
  const p = final.peers[0];
  say(`laptop's path to home now: ${p?.path ?? "?"} via ${p?.endpoint ?? "?"}${p?.rttMs == null ? "" : ` (${p.rttMs} ms)`}`);
  await Promise.all([laptop.stop(), server.stop()]);
}

const roamTimes: number[] = [];

async function roam(host: Host, to: Parameters<Host["moveTo"]>[0], what: string): Promise<void> {
  say(`laptop roams to ${what}`);
  roamTimes.push(Date.now());
  await host.moveTo(to);
}

/** One line per half second: each side's path, endpoint and round-trip time, as `plugd status` reports them. */
function liveStatus(laptop: CoordinatedPlugd, server: CoordinatedPlugd, serverKey: string, laptopKey: string): { stop(): void } {
  let last = "";
  let running = true;
  const tick = async (): Promise<void> => {
    while (running) {
      try {
        const [l, s] = await Promise.all([laptop.quickStatus(), server.quickStatus()]);
        const lp = l.peers.find((x) => x.publicKey === serverKey);
        const sp = s.peers.find((x) => x.publicKey === laptopKey);
        const line = `laptop→home: ${lp?.path ?? "?"} ${lp?.endpoint ?? ""}${lp?.rttMs == null ? "" : ` ${lp.rttMs} ms`}   home→laptop: ${sp?.path ?? "?"} ${sp?.endpoint ?? ""}${sp?.reason === undefined ? "" : `  (${sp.reason})`}`;
        if (line !== last) say(line);
        last = line;
      } catch {
        // a status request racing shutdown
      }
      await sleep(500);
    }
  };
  void tick();
  return {
    stop: () => {
      running = false;
    },
  };
}

main().catch((err: unknown) => {
  process.stderr.write(`demo failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
