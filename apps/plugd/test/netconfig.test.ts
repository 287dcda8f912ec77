// netconfig in a real network namespace with a real (persistent, carrier-less)
// TUN link: what setUpInterface adds is read back with `ip`/`nft`, and after
// tearDownInterface the namespace must look exactly as before.
// Needs root and `ip netns`; every name carries the "pcf" prefix and a random suffix.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { formatPrefix, keyFromBase64, keyToBase64, parsePrefix, type DeviceControl, type Logger } from "@plug/wireguard";
import { parseConfig } from "../src/config/index.js";
import {
  fullTunnelMark,
  netnsRunner,
  setUpInterface,
  setUpInterfaceWithDevice,
  tearDownInterface,
  commandExists,
} from "../src/netconfig/index.js";
import { takeState } from "../src/netconfig/state.js";

const execFileP = promisify(execFile);
const PUB_A = "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=";
const PUB_B = "TrMvSoP4jYQlY6RIzBgbssQqY3vxI2Pi+y71lOWWXX0=";

async function sh(args: string[]): Promise<string> {
  return (await execFileP(args[0] ?? "", args.slice(1))).stdout;
}

interface Lab {
  ns: string;
  ifname: string;
  dir: string;
  /** `ip -n NS ARGS` output. */
  ip(...args: string[]): Promise<string>;
  /** Everything teardown must restore, as text. */
  snapshot(): Promise<string>;
}

async function lab(t: TestContext): Promise<Lab> {
  const suffix = randomBytes(4).toString("hex");
  const ns = `pcf-${process.pid}-${suffix}`;
  const ifname = `pcf${suffix}`;
  const dir = mkdtempSync(join(tmpdir(), `pcf-${suffix}-`));
  t.after(async () => {
    await execFileP("ip", ["netns", "del", ns]).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
    takeState(ifname);
  });
  await sh(["ip", "netns", "add", ns]);
  await sh(["ip", "-n", ns, "tuntap", "add", "dev", ifname, "mode", "tun"]);
  const ip = (...args: string[]) => sh(["ip", "-n", ns, ...args]);
  const snapshot = async () =>
    [
      await ip("-4", "address", "show"),
      await ip("-6", "address", "show"),
      await ip("-4", "route", "show", "table", "all"),
      await ip("-6", "route", "show", "table", "all"),
      await ip("-4", "rule", "show"),
      await ip("-6", "rule", "show"),
      await sh(["ip", "netns", "exec", ns, "nft", "list", "ruleset"]),
    ].join("\n----\n");
  return { ns, ifname, dir, ip, snapshot };
}

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, verbose: (m) => void lines.push(`V ${m}`), info: (m) => void lines.push(`I ${m}`), error: (m) => void lines.push(`E ${m}`) };
}

test("addresses, MTU, routes (longest prefix first), hooks with %i, and a clean teardown", async (t) => {
  const { ns, ifname, dir, ip, snapshot } = await lab(t);
  const before = await snapshot();
  const hookLog = join(dir, "hooks.log");
  const cfg = parseConfig(
    `[Interface]
Address = 10.66.0.1/24, fd66::1/64
Address = 10.68.0.9
MTU = 1380
DNS = 10.66.0.53, corp.example
PreUp = echo "pre %i" >> ${hookLog}
PostUp = echo "post   %i" >> ${hookLog}
PreDown = echo "predown %i" >> ${hookLog}
PostDown = echo "postdown %i" >> ${hookLog}
[Peer]
PublicKey = ${PUB_A}
AllowedIPs = 10.66.0.0/24, 10.67.0.0/16
AllowedIPs = 192.0.2.5
[Peer]
PublicKey = ${PUB_B}
AllowedIPs = 10.67.1.0/24, fd67::/48, 10.67.0.0/16
`,
    "/etc/plug/x.conf",
  );
  const log = recordingLogger();
  await setUpInterface(ifname, cfg, log, { run: netnsRunner(ns) });

  const link = await ip("link", "show", "dev", ifname);
  assert.match(link, /mtu 1380 /);
  assert.match(link, /[<,]UP[,>]/);
  const v4 = await ip("-4", "address", "show", "dev", ifname);
  assert.match(v4, /inet 10\.66\.0\.1\/24 /);
  assert.match(v4, /inet 10\.68\.0\.9\/32 /);
  assert.match(await ip("-6", "address", "show", "dev", ifname), /inet6 fd66::1\/64 /);
  const routes4 = await ip("-4", "route", "show", "dev", ifname);
  assert.match(routes4, /^10\.67\.0\.0\/16 /m);
  assert.match(routes4, /^10\.67\.1\.0\/24 /m);
  assert.match(routes4, /^192\.0\.2\.5 /m);
  assert.match(routes4, /^10\.66\.0\.0\/24 proto kernel/m, "covered by the address's own route, not added again");
  assert.match(await ip("-6", "route", "show", "dev", ifname), /^fd67::\/48 /m);
  const added = log.lines.filter((l) => l.includes(" route add ")).map((l) => l.split(" ")[6]);
  assert.deepEqual(added, ["fd67::/48", "192.0.2.5/32", "10.67.1.0/24", "10.67.0.0/16"]);
  assert.equal(fullTunnelMark(ifname), null);
  if (!commandExists("resolvconf")) assert.ok(log.lines.some((l) => l.startsWith("E resolvconf is not installed")));

  await tearDownInterface(ifname, cfg, log, { run: netnsRunner(ns) });
  assert.equal(readFileSync(hookLog, "utf8"), `pre ${ifname}\npost   ${ifname}\npredown ${ifname}\npostdown ${ifname}\n`);
  assert.equal(await snapshot(), before);
});

test("full tunnel: /0 with Table auto picks a free table, sets the device fwmark, adds rules and nftables, and removes them", async (t) => {
  const { ns, ifname, ip, snapshot } = await lab(t);
  // Table 51820 is taken by someone else: wg-quick moves on to 51821.
  await ip("-4", "route", "add", "blackhole", "203.0.113.0/24", "table", "51820");
  const before = await snapshot();
  let fwmark = 0;
  const deviceControlDouble = {
    snapshot: () => ({ privateKey: null, listenPort: 0, fwmark, peers: [] }),
    setFwmark: (m: number) => void (fwmark = m),
  } as unknown as DeviceControl; // test double: only the two methods netconfig uses
  const cfg = parseConfig(`[Interface]\nAddress = 10.70.0.2/32, fd70::2/128\n[Peer]\nPublicKey = ${PUB_A}\nAllowedIPs = 0.0.0.0/0, ::/0, 10.71.0.0/16\n`, "ft.conf");
  const log = recordingLogger();
  await setUpInterfaceWithDevice(ifname, cfg, log, deviceControlDouble, netnsRunner(ns));

  assert.equal(fwmark, 51821);
  assert.equal(fullTunnelMark(ifname), 51821);
  for (const family of ["-4", "-6"]) {
    const rules = await ip(family, "rule", "show");
    assert.match(rules, /not from all fwmark 0xca6d lookup 51821/);
    assert.match(rules, /from all lookup main suppress_prefixlength 0/);
    assert.match(await ip(family, "route", "show", "table", "51821"), /^default dev /m);
  }
  assert.match(await ip("-4", "route", "show", "dev", ifname), /^10\.71\.0\.0\/16 /m);
  const nft = await sh(["ip", "netns", "exec", ns, "nft", "list", "ruleset"]);
  assert.match(nft, new RegExp(`table ip plugd-${ifname} `));
  assert.match(nft, new RegExp(`table ip6 plugd-${ifname} `));
  assert.match(nft, /ip daddr 10\.70\.0\.2 fib saddr type != local drop/);
  assert.match(nft, /ip6 daddr fd70::2 fib saddr type != local drop/);
  assert.match(nft, /meta l4proto udp meta mark 0x0000ca6d ct mark set meta mark/);
  assert.equal((await sh(["ip", "netns", "exec", ns, "sysctl", "-n", "net.ipv4.conf.all.src_valid_mark"])).trim(), "1");

  await tearDownInterface(ifname, cfg, log, { run: netnsRunner(ns), control: deviceControlDouble });
  assert.equal(await snapshot(), before);
});

test("a configured FwMark is the full-tunnel table; teardown after a restart works from the config", async (t) => {
  const { ns, ifname, ip, snapshot } = await lab(t);
  const before = await snapshot();
  const cfg = parseConfig(`[Interface]\nFwMark = 0x1234\nAddress = 10.72.0.2/24\n[Peer]\nPublicKey = ${PUB_A}\nAllowedIPs = 0.0.0.0/0\n`, "fm.conf");
  const log = recordingLogger();
  await setUpInterface(ifname, cfg, log, { run: netnsRunner(ns) });
  assert.match(await ip("-4", "rule", "show"), /not from all fwmark 0x1234 lookup 4660/);
  assert.ok(!log.lines.some((l) => l.startsWith("E ")), log.lines.join("\n"));
  takeState(ifname); // as if the process had restarted: teardown must derive what to remove
  await tearDownInterface(ifname, cfg, log, { run: netnsRunner(ns) });
  assert.equal(await snapshot(), before);
});

test("Table = number puts routes in that table without rules; Table = off adds none", async (t) => {
  const { ns, ifname, ip, snapshot } = await lab(t);
  const before = await snapshot();
  const numbered = parseConfig(`[Interface]\nTable = 1234\nAddress = 10.73.0.1/24\n[Peer]\nPublicKey = ${PUB_A}\nAllowedIPs = 0.0.0.0/0, 10.74.0.0/16\n`, "t.conf");
  const log = recordingLogger();
  await setUpInterface(ifname, numbered, log, { run: netnsRunner(ns) });
  const table = await ip("-4", "route", "show", "table", "1234");
  assert.match(table, /^default dev /m);
  assert.match(table, /^10\.74\.0\.0\/16 dev /m);
  assert.doesNotMatch(await ip("-4", "rule", "show"), /1234/);
  await tearDownInterface(ifname, numbered, log, { run: netnsRunner(ns) });
  assert.equal(await snapshot(), before);

  const off = parseConfig(`[Interface]\nTable = off\n[Peer]\nPublicKey = ${PUB_A}\nAllowedIPs = 0.0.0.0/0, 10.74.0.0/16\n`, "o.conf");
  await setUpInterface(ifname, off, log, { run: netnsRunner(ns) });
  assert.equal((await ip("-4", "route", "show", "table", "all", "dev", ifname)).trim(), "");
  await tearDownInterface(ifname, off, log, { run: netnsRunner(ns) });
});

test("automatic MTU: endpoint route MTU, else default route, else 1420, minus 80", async (t) => {
  const { ns, ifname, ip } = await lab(t);
  const uplink = `${ifname.slice(0, 11)}up`;
  await ip("tuntap", "add", "dev", uplink, "mode", "tun");
  await ip("link", "set", "mtu", "1400", "up", "dev", uplink);
  await ip("address", "add", "198.51.100.1/24", "dev", uplink);
  await ip("route", "add", "203.0.113.0/24", "dev", uplink, "mtu", "1300");
  const log = recordingLogger();
  const mtuWith = async (extra: string): Promise<string> => {
    const cfg = parseConfig(`[Interface]\n[Peer]\nPublicKey = ${PUB_A}\n${extra}`, "m.conf");
    await setUpInterface(ifname, cfg, log, { run: netnsRunner(ns) });
    const mtu = /mtu ([0-9]+)/.exec(await ip("link", "show", "dev", ifname))?.[1] ?? "";
    await tearDownInterface(ifname, cfg, log, { run: netnsRunner(ns) });
    return mtu;
  };
  assert.equal(await mtuWith(""), "1420");
  assert.equal(await mtuWith("Endpoint = 198.51.100.7:51820\n"), "1320");
  assert.equal(await mtuWith("Endpoint = 203.0.113.9:51820\n"), "1220");
  await ip("route", "add", "default", "dev", uplink, "mtu", "lock", "1280");
  assert.equal(await mtuWith(""), "1200");
});

test("a failing PostUp undoes the set-up and rethrows; PostDown does not run", async (t) => {
  const { ns, ifname, dir, snapshot } = await lab(t);
  const before = await snapshot();
  const marker = join(dir, "postdown");
  const cfg = parseConfig(
    // Under wg-quick's `set -e` the first failing command fails the hook, even if the hook ends with success.
    `[Interface]\nAddress = 10.75.0.1/24\nPostUp = false; exit 0\nPostDown = touch ${marker}\n[Peer]\nPublicKey = ${PUB_A}\nAllowedIPs = 10.76.0.0/16\n`,
    "f.conf",
  );
  const log = recordingLogger();
  await assert.rejects(setUpInterface(ifname, cfg, log, { run: netnsRunner(ns) }), /false; exit 0' failed \(1\)/);
  assert.equal((await snapshot()).replace(/,UP,LOWER_UP|,UP/g, ""), before.replace(/,UP,LOWER_UP|,UP/g, ""));
  assert.throws(() => readFileSync(marker));
  assert.equal(fullTunnelMark(ifname), null);
});

test("DNS goes to resolvconf on stdin exactly as wg-quick sends it, and is removed on teardown", async (t) => {
  const { ns, ifname, dir } = await lab(t);
  // resolvconf is not installed on the lab machines: a recording stand-in
  // (fake-resolvconf, named resolvconf on PATH) shows what would be sent.
  const bin = join(dir, "bin");
  const record = join(dir, "resolvconf.log");
  await sh(["mkdir", "-p", bin]);
  writeFileSync(join(bin, "resolvconf"), `#!/bin/bash\n# fake-resolvconf: records its arguments and stdin\n{ echo "ARGS $*"; cat; } >> ${record}\n`);
  chmodSync(join(bin, "resolvconf"), 0o755);
  const savedPath = process.env.PATH;
  process.env.PATH = `${bin}:${savedPath ?? ""}`;
  t.after(() => void (process.env.PATH = savedPath));
  const cfg = parseConfig(`[Interface]\nDNS = 10.77.0.53, fd77::53\nDNS = corp.example, lab.example\n`, "d.conf");
  const log = recordingLogger();
  await setUpInterface(ifname, cfg, log, { run: netnsRunner(ns) });
  await tearDownInterface(ifname, cfg, log, { run: netnsRunner(ns) });
  assert.equal(
    readFileSync(record, "utf8"),
    `ARGS -a ${ifname} -m 0 -x\nnameserver 10.77.0.53\nnameserver fd77::53\nsearch corp.example lab.example\nARGS -d ${ifname} -f\n`,
  );
});


test("SaveConfig writes the live state back to the file (0600) on the way down", async (t) => {
  const { ns, ifname, dir, ip } = await lab(t);
  const path = join(dir, "wg7.conf");
  const text = `[Interface]\nAddress = 10.78.0.1/24\nMTU = 1400\nSaveConfig = true\nPostUp = true\nListenPort = 1\n[Peer]\nPublicKey = ${PUB_A}\nAllowedIPs = 10.79.0.0/16\n`;
  writeFileSync(path, text, { mode: 0o644 });
  const cfg = parseConfig(text, path);
  const log = recordingLogger();
  await setUpInterface(ifname, cfg, log, { run: netnsRunner(ns) });
  // Changed while up: an extra address, and the device now has other peers.
  await ip("address", "add", "10.80.0.1/16", "dev", ifname);
  const deviceControlDouble = {
    snapshot: () => ({
      privateKey: null,
      listenPort: 40123,
      fwmark: 0,
      peers: [
        {
          publicKey: keyFromBase64(PUB_B),
          presharedKey: null,
          endpoint: { family: 6, address: "2001:db8::7", port: 51820 },
          lastHandshake: null,
          rxBytes: 0n,
          txBytes: 0n,
          persistentKeepalive: 25,
          allowedIps: [parsePrefix("10.81.0.0/16")],
        },
      ],
    }),
  } as unknown as DeviceControl; // test double: only snapshot() is used on the way down
  await tearDownInterface(ifname, cfg, log, { run: netnsRunner(ns), control: deviceControlDouble });
  assert.equal(statSync(path).mode & 0o777, 0o600);
  const saved = parseConfig(readFileSync(path, "utf8"), path);
  assert.deepEqual(saved.iface.addresses.map((a) => `${a.address.join(".")}/${a.cidr}`), ["10.78.0.1/24", "10.80.0.1/16"]);
  assert.equal(saved.iface.mtu, 1400);
  assert.equal(saved.iface.saveConfig, true);
  assert.deepEqual(saved.iface.postUp, ["true"]);
  assert.equal(saved.iface.listenPort, 40123);
  assert.deepEqual(saved.peers.map((p) => keyToBase64(p.publicKey)), [PUB_B]);
  assert.deepEqual(saved.peers[0]?.endpoint, { host: "2001:db8::7", port: 51820 });
  assert.deepEqual(saved.peers[0]?.allowedIps.map(formatPrefix), ["10.81.0.0/16"]);
  assert.equal(saved.peers[0]?.persistentKeepalive, 25);
});

test("interface names that are not wg-quick names are refused before anything runs", async () => {
  const cfg = parseConfig("[Interface]\nPreUp = touch /tmp/pcf-should-not-exist\n", "n.conf");
  for (const bad of ["x;touch /tmp/pcf-x", "", "sixteen-chars-xx", "a b", "$(id)"]) {
    await assert.rejects(setUpInterface(bad, cfg, recordingLogger()), /invalid interface name/);
    await assert.rejects(tearDownInterface(bad, cfg, recordingLogger()), /invalid interface name/);
  }
  assert.throws(() => statSync("/tmp/pcf-should-not-exist"));
});

test("full tunnel with the iptables backend (wg-quick's fallback when nft is missing) adds tagged rules and removes them", async (t) => {
  const { ns, ifname, ip } = await lab(t);
  const routing = async () => [await ip("-4", "rule", "show"), await ip("-6", "rule", "show"), await ip("-4", "route", "show", "table", "all")].join("\n");
  const before = await routing();
  const cfg = parseConfig(`[Interface]\nFwMark = 51820\nAddress = 10.82.0.2/32, fd82::2/128\n[Peer]\nPublicKey = ${PUB_A}\nAllowedIPs = 0.0.0.0/0, ::/0\n`, "ipt.conf");
  const log = recordingLogger();
  await setUpInterface(ifname, cfg, log, { run: netnsRunner(ns), firewall: "iptables" });
  const v4 = await sh(["ip", "netns", "exec", ns, "iptables-save"]);
  const v6 = await sh(["ip", "netns", "exec", ns, "ip6tables-save"]);
  const tag = `-m comment --comment "plugd rule for ${ifname}"`;
  assert.match(v4, new RegExp(`-A PREROUTING -d 10\\.82\\.0\\.2/32 ! -i ${ifname} -m addrtype ! --src-type LOCAL ${tag} -j DROP`));
  assert.match(v4, new RegExp(`-A POSTROUTING -p udp -m mark --mark 0xca6c ${tag} -j CONNMARK --save-mark`));
  assert.match(v4, new RegExp(`-A PREROUTING -p udp ${tag} -j CONNMARK --restore-mark`));
  assert.match(v6, new RegExp(`-A PREROUTING -d fd82::2/128 ! -i ${ifname} -m addrtype ! --src-type LOCAL ${tag} -j DROP`));
  assert.doesNotMatch(await sh(["ip", "netns", "exec", ns, "nft", "list", "tables"]), /plugd-/);
  await tearDownInterface(ifname, cfg, log, { run: netnsRunner(ns), firewall: "iptables" });
  assert.doesNotMatch(await sh(["ip", "netns", "exec", ns, "iptables-save"]), /plugd rule for/);
  assert.doesNotMatch(await sh(["ip", "netns", "exec", ns, "ip6tables-save"]), /plugd rule for/);
  assert.equal(await routing(), before);
});
