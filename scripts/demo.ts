// `npm run demo`: a laptop roams from home Wi-Fi to a phone hotspot and its
// WireGuard tunnel to the home server keeps working. Everything runs in
// network namespaces this script creates and removes (root required):
//
//   ns home    plugd (home server), public address 192.0.2.1, UDP 51820
//   ns net     the internet: a router between the home server's uplink and
//              two access networks, "wifi" (198.51.100.0/24) and "hotspot"
//              (203.0.113.0/24)
//   ns laptop  plugd (laptop), on the wifi first, then on the hotspot
//
// Both daemons are configured from wg-quick-format files through
// `plugd -f IFNAME --config FILE`. The script prints each step, the time to the
// first ping through the tunnel, and the longest gap in a 20 ms ping stream
// across the roam.
import { readFileSync } from "node:fs";
import { Lab, requirePrerequisites, wg, type Netns } from "../test/support/netns.js";

const say = (msg: string): void => {
  process.stdout.write(`[${new Date().toISOString().slice(11, 23)}] ${msg}\n`);
};

async function main(): Promise<void> {
  requirePrerequisites(["plugd"]);
  const lab = await Lab.create();
  const cleanup = (): void => {
    void lab.close().then(() => process.exit(130));
  };
  process.once("SIGINT", cleanup);
  try {
    await demo(lab);
  } finally {
    say("tearing down the lab");
    await lab.close();
  }
}

async function demo(lab: Lab): Promise<void> {
  const home = await lab.netns("home");
  const net = await lab.netns("net");
  const laptop = await lab.netns("laptop");
  const uplink = await lab.veth(home, net, { a: "hu", b: "nu" });
  const wifi = await lab.veth(net, laptop, { a: "nw", b: "lw" });
  const hotspot = await lab.veth(net, laptop, { a: "nh", b: "lh" });
  await net.exec("sysctl", ["-q", "-w", "net.ipv4.ip_forward=1"]);
  await home.addAddress(uplink.a, "192.0.2.1/24");
  await net.addAddress(uplink.b, "192.0.2.254/24");
  await home.ip(["route", "add", "default", "via", "192.0.2.254"]);
  await net.addAddress(wifi.a, "198.51.100.1/24");
  await net.addAddress(hotspot.a, "203.0.113.1/24");
  await laptop.addAddress(wifi.b, "198.51.100.2/24");
  await laptop.addAddress(hotspot.b, "203.0.113.2/24");
  await laptop.ip(["route", "add", "default", "via", "198.51.100.1", "dev", wifi.b]);
  say(`lab ${lab.id}: home server 192.0.2.1, laptop on wifi 198.51.100.2 (hotspot 203.0.113.2 standing by)`);

  const homeKeys = await lab.genKeyPair();
  const laptopKeys = await lab.genKeyPair();
  const privateKey = (file: string): string => readFileSync(file, "utf8").trim();
  const homeConf = lab.writeSecretFile(
    "home.conf",
    [
      "[Interface]",
      `PrivateKey = ${privateKey(homeKeys.privateKeyFile)}`,
      "ListenPort = 51820",
      "Address = 10.99.0.1/24",
      "",
      "[Peer]",
      `PublicKey = ${laptopKeys.publicKey}`,
      "AllowedIPs = 10.99.0.2/32",
      "",
    ].join("\n"),
  );
  const laptopConf = lab.writeSecretFile(
    "laptop.conf",
    [
      "[Interface]",
      `PrivateKey = ${privateKey(laptopKeys.privateKeyFile)}`,
      "Address = 10.99.0.2/24",
      "",
      "[Peer]",
      `PublicKey = ${homeKeys.publicKey}`,
      "Endpoint = 192.0.2.1:51820",
      "AllowedIPs = 10.99.0.0/24",
      "PersistentKeepalive = 25",
      "",
    ].join("\n"),
  );

  say("starting plugd on the home server and on the laptop (plugd -f IFNAME --config FILE)");
  const homeIf = await lab.startInterface("plugd", home, "h", ["--config", homeConf]);
  const started = performance.now();
  const laptopIf = await lab.startInterface("plugd", laptop, "l", ["--config", laptopConf]);
  const first = await firstReply(laptop, "10.99.0.1");
  say(`first ping reply through the tunnel ${(first - started).toFixed(0)} ms after the laptop's plugd started`);
  say(`home sees the laptop at ${(await homeIf.endpoint(laptopKeys.publicKey)) ?? "(none)"}`);

  say("pinging every 20 ms; in 2 s the laptop leaves the wifi for the hotspot");
  const stream = laptop.exec("ping", ["-D", "-n", "-i", "0.02", "-w", "6", "-W", "1", "10.99.0.1"], { allowFailure: true, timeoutMs: 15_000 });
  await new Promise((r) => setTimeout(r, 2000));
  await laptop.ip(["address", "del", "198.51.100.2/24", "dev", wifi.b]);
  await laptop.ip(["route", "replace", "default", "via", "203.0.113.1", "dev", hotspot.b]);
  say("roamed: wifi address gone, default route now via the hotspot");
  const out = (await stream).stdout;
  const { sent, received, gapMs } = pingStats(out);
  say(`ping stream: ${received}/${sent} replies, longest gap ${gapMs.toFixed(0)} ms`);
  say(`home now sees the laptop at ${(await homeIf.endpoint(laptopKeys.publicKey)) ?? "(none)"}`);
  process.stdout.write(`\n$ wg show ${laptopIf.name}\n${await wg(["show", laptopIf.name])}\n`);
}

async function firstReply(ns: Netns, target: string): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const r = await ns.exec("ping", ["-n", "-c", "1", "-W", "1", target], { allowFailure: true });
    if (r.code === 0) return performance.now();
  }
  throw new Error(`no ping reply from ${target}`);
}

/** Parses `ping -D` output: counts and the longest interval between consecutive replies. */
function pingStats(output: string): { sent: number; received: number; gapMs: number } {
  const stamps = [...output.matchAll(/^\[(\d+\.\d+)\].*icmp_seq=/gm)].map((m) => Number(m[1]) * 1000);
  let gap = 0;
  for (let i = 1; i < stamps.length; i++) gap = Math.max(gap, (stamps[i] ?? 0) - (stamps[i - 1] ?? 0));
  const summary = /(\d+) packets transmitted, (\d+) received/.exec(output);
  return { sent: Number(summary?.[1] ?? 0), received: Number(summary?.[2] ?? 0), gapMs: gap };
}

main().catch((err: unknown) => {
  process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
