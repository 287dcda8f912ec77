// Daemon smoke test against the reference: plugd and wireguard-go side by side
// in the §11.3 topology (daemons' UDP in ns0 over loopback, each TUN moved to
// its own namespace), both configured only through the unmodified `wg` tool.
// Needs root, network namespaces and wireguard-go (CI runs it as root).
// Every name carries the pdv prefix plus the pid; teardown runs on failure too.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { connect } from "node:net";
import { existsSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { clampPrivateKey, generatePresharedKey, generatePrivateKey, keyToBase64, publicKeyFromPrivate } from "@plug/wireguard";

const exec = promisify(execFile);
const MAIN = fileURLToPath(new URL("../src/main.ts", import.meta.url));
const SOCK_DIR = "/var/run/wireguard";

const tag = `${process.pid % 100000}`;
const NS0 = `pdv0-${tag}`;
const NS1 = `pdv1-${tag}`;
const NS2 = `pdv2-${tag}`;
const IF_PLUG = `pdvA${tag}`; // plugd
const IF_GO = `pdvB${tag}`; // wireguard-go, the peer
const IF_REF = `pdvR${tag}`; // wireguard-go, reference for the wg config commands
const sock = (ifname: string): string => `${SOCK_DIR}/${ifname}.sock`;

async function sh(cmd: string, args: string[]): Promise<string> {
  try {
    return (await exec(cmd, args, { maxBuffer: 1 << 20 })).stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(" ")} failed: ${e.stderr ?? e.message}`);
  }
}
const ns = (name: string, ...args: string[]): Promise<string> => sh("ip", ["netns", "exec", name, ...args]);
const wg = (...args: string[]): Promise<string> => sh("wg", args);

async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const dir = mkdtempSync(`${tmpdir()}/pdv-daemon-`);
const children: ChildProcess[] = [];
const file = (name: string, text: string): string => {
  const path = `${dir}/${name}`;
  writeFileSync(path, text, { mode: 0o600 });
  return path;
};

const privA = generatePrivateKey();
const privB = generatePrivateKey();
const pubA = keyToBase64(publicKeyFromPrivate(privA));
const pubB = keyToBase64(publicKeyFromPrivate(privB));
const psk = keyToBase64(generatePresharedKey());

async function ping(from: string, to: string, extra: string[] = []): Promise<void> {
  await ns(from, "ping", "-c", "2", "-i", "0.2", "-w", "15", ...extra, to);
}

/** The peer line of `wg show IF dump` for a public key, split into columns. */
async function dumpPeer(ifname: string, pub: string): Promise<string[]> {
  const line = (await wg("show", ifname, "dump")).split("\n").find((l) => l.startsWith(`${pub}\t`));
  assert.ok(line !== undefined, `${ifname} has peer ${pub}`);
  return line.split("\t");
}

/** `wg showconf` with peers in a canonical order (wireguard-go lists them in map order). */
async function canonicalConf(ifname: string): Promise<string> {
  const text = await wg("showconf", ifname);
  const [head, ...peers] = text.split("\n[Peer]\n");
  return [head?.replace(/^ListenPort = \d+\n/m, ""), ...peers.map((p) => p.trim()).sort()].join("\n[Peer]\n");
}

/** One raw UAPI exchange: send, half-close, read until the daemon closes. */
function uapi(ifname: string, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const conn = connect(sock(ifname), () => conn.end(text));
    let out = "";
    conn.setEncoding("utf8");
    conn.on("data", (d: string) => (out += d));
    conn.on("close", () => resolve(out));
    conn.on("error", reject);
  });
}

/** A get reply with the per-run values (port, handshake time, counters) blanked and peers in a canonical order. */
function canonicalGet(reply: string): string {
  const lines = reply.split("\n").filter((l) => !/^(listen_port|last_handshake_time_sec|last_handshake_time_nsec|tx_bytes|rx_bytes)=/.test(l));
  const [head, ...peers] = lines.join("\n").split("\npublic_key=");
  const last = peers.pop() ?? "";
  const tail = last.slice(last.indexOf("\nerrno="));
  return [head, ...peers, last.slice(0, last.indexOf("\nerrno="))].filter((x) => x !== "").sort().join("\n--\n") + tail;
}

before(async () => {
  for (const n of [NS0, NS1, NS2]) {
    await sh("ip", ["netns", "add", n]);
    await sh("ip", ["-n", n, "link", "set", "lo", "up"]);
  }
  // plugd in its default, background mode: it must exit 0 only once ready.
  const started = await exec("ip", ["netns", "exec", NS0, process.execPath, "--import", "tsx", MAIN, IF_PLUG], {
    env: { ...process.env, LOG_LEVEL: "", WG_PROCESS_FOREGROUND: "" },
  });
  assert.equal(started.stderr, "");
  assert.ok(existsSync(sock(IF_PLUG)), "plugd's socket exists when its launcher returns");
  for (const ifname of [IF_GO, IF_REF]) {
    children.push(spawn("ip", ["netns", "exec", NS0, "wireguard-go", "-f", ifname], { stdio: "ignore", env: { ...process.env, LOG_LEVEL: "error" } }));
  }
  await waitFor("wireguard-go sockets", () => existsSync(sock(IF_GO)) && existsSync(sock(IF_REF)));
  await sh("ip", ["-n", NS0, "link", "set", IF_PLUG, "netns", NS1]);
  await sh("ip", ["-n", NS0, "link", "set", IF_GO, "netns", NS2]);
});

after(async () => {
  // Removing the socket file is one of plugd's documented shutdown triggers; it
  // stops the background daemon even when the test failed before `ip link del`.
  for (const ifname of [IF_PLUG, IF_GO, IF_REF]) {
    try {
      unlinkSync(sock(ifname));
    } catch {
      // not there
    }
  }
  for (const child of children) child.kill("SIGTERM");
  for (const n of [NS0, NS1, NS2]) await exec("ip", ["netns", "del", n]).catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

describe("plugd against wireguard-go, driven by wg", { timeout: 180_000 }, () => {
  it("configures with wg set and passes IPv4, IPv6 and full-MTU traffic both ways", async () => {
    const pskFile = file("psk", `${psk}\n`);
    await wg("set", IF_PLUG, "private-key", file("a.key", `${keyToBase64(privA)}\n`), "listen-port", "10000",
      "peer", pubB, "preshared-key", pskFile, "allowed-ips", "192.168.241.2/32,fd00::2/128", "endpoint", "127.0.0.1:20000");
    await wg("set", IF_GO, "private-key", file("b.key", `${keyToBase64(privB)}\n`), "listen-port", "20000",
      "peer", pubA, "preshared-key", pskFile, "allowed-ips", "192.168.241.1/32,fd00::1/128", "endpoint", "127.0.0.1:10000");
    await ns(NS1, "ip", "address", "add", "192.168.241.1/24", "dev", IF_PLUG);
    await ns(NS1, "ip", "address", "add", "fd00::1/64", "dev", IF_PLUG, "nodad");
    await ns(NS1, "ip", "link", "set", IF_PLUG, "up");
    await ns(NS2, "ip", "address", "add", "192.168.241.2/24", "dev", IF_GO);
    await ns(NS2, "ip", "address", "add", "fd00::2/64", "dev", IF_GO, "nodad");
    await ns(NS2, "ip", "link", "set", IF_GO, "up");

    await ping(NS1, "192.168.241.2"); // plugd initiates
    await ping(NS2, "fd00::1");
    await ping(NS2, "192.168.241.1");
    await ping(NS1, "fd00::2");
    await ping(NS1, "192.168.241.2", ["-s", "1392", "-M", "do"]);
    await ping(NS2, "192.168.241.1", ["-s", "1392", "-M", "do"]);
  });

  it("reports like wireguard-go in wg show, wg show dump and wg showconf", async () => {
    const [iface] = (await wg("show", IF_PLUG, "dump")).split("\n");
    assert.equal(iface, `${keyToBase64(clampPrivateKey(privA))}\t${pubA}\t10000\toff`);
    const [, peerPsk, endpoint, allowed, handshake, rx, tx, keepalive] = await dumpPeer(IF_PLUG, pubB);
    assert.equal(peerPsk, psk);
    assert.equal(endpoint, "127.0.0.1:20000");
    assert.equal(allowed, "192.168.241.2/32,fd00::2/128");
    assert.ok(Number(handshake) > 1_600_000_000, "latest handshake is absolute Unix time");
    assert.equal(keepalive, "off");
    // Byte counters agree with what the other side counted, in both directions.
    const [, , goEndpoint, , , goRx, goTx] = await dumpPeer(IF_GO, pubA);
    assert.equal(goEndpoint, "127.0.0.1:10000");
    assert.equal(rx, goTx);
    assert.equal(tx, goRx);
    const show = await wg("show", IF_PLUG);
    assert.match(show, new RegExp(`^interface: ${IF_PLUG}\n  public key: ${pubA.replace(/[+/]/g, "\\$&")}\n  private key: \\(hidden\\)\n  listening port: 10000\n`));
    assert.match(show, /latest handshake: .* ago\n {2}transfer: .* received, .* sent\n/);
    const conf = await wg("showconf", IF_PLUG);
    assert.match(conf, /^\[Interface\]\nListenPort = 10000\nPrivateKey = .{44}\n\n\[Peer\]\n/);
    assert.match(conf, /AllowedIPs = 192\.168\.241\.2\/32, fd00::2\/128\nEndpoint = 127\.0\.0\.1:20000\n/);
  });

  it("applies wg setconf, addconf and syncconf exactly as wireguard-go does", async () => {
    const p = (n: number): string => keyToBase64(publicKeyFromPrivate(clampPrivateKey(Buffer.alloc(32, n))));
    const base = `[Interface]\nPrivateKey = ${keyToBase64(privA)}\nFwMark = 0x4d2\n`;
    const full = file("full.conf",
      `${base}\n[Peer]\nPublicKey = ${p(1)}\nPresharedKey = ${psk}\nAllowedIPs = 10.1.0.20/29, fd01::/64\nEndpoint = 127.0.0.1:3001\nPersistentKeepalive = 25\n` +
        `\n[Peer]\nPublicKey = ${p(2)}\nAllowedIPs = 10.2.0.0/16, 0.0.0.0/0\nEndpoint = [::1]:3002\n`);
    const more = file("more.conf", `[Peer]\nPublicKey = ${p(3)}\nAllowedIPs = 10.2.0.0/16\n`);
    const sync = file("sync.conf",
      `${base}\n[Peer]\nPublicKey = ${p(1)}\nAllowedIPs = 10.1.0.0/24\nEndpoint = 127.0.0.1:3009\n\n[Peer]\nPublicKey = ${p(4)}\nAllowedIPs = ::/0\n`);
    // The same commands on plugd's live interface and on an idle wireguard-go, then compare.
    for (const [cmd, path] of [["setconf", full], ["addconf", more], ["syncconf", sync]] as const) {
      await wg(cmd, IF_PLUG, path);
      await wg(cmd, IF_REF, path);
      assert.equal(await canonicalConf(IF_PLUG), await canonicalConf(IF_REF), `after wg ${cmd}`);
      assert.equal(canonicalGet(await uapi(IF_PLUG, "get=1\n\n")), canonicalGet(await uapi(IF_REF, "get=1\n\n")));
    }
    // The fwmark is really on the (rebound, random-port) UDP socket, not just reported.
    const port = (await wg("show", IF_PLUG, "listen-port")).trim();
    assert.match(await ns(NS0, "ss", "-H", "-u", "-l", "-n", "-e", "sport", "=", `:${port}`), /fwmark:0x4d2/);
  });

  it("answers raw UAPI requests byte for byte like wireguard-go, errors included", async () => {
    const k = "ab".repeat(32);
    const requests = [
      "set=1\nbogus_key=1\n\n",
      "set=1\nprivate_key=zz\n\n",
      "set=1\nlisten_port=65536\n\n",
      "set=1\nfwmark=x\n\n",
      "set=1\nreplace_peers=false\n\n",
      "set=1\nno_equals_sign\n\n",
      `set=1\npublic_key=${k}\nprotocol_version=2\n\n`,
      `set=1\npublic_key=${k}\nendpoint=nonsense\n\n`,
      `set=1\npublic_key=${k}\nallowed_ip=10.0.0.1\n\n`,
      `set=1\npublic_key=${k}\nremove=true\n\n`,
      `set=1\npublic_key=${k}\nupdate_only=true\nendpoint=127.0.0.1:1\n\n`,
      "get=1\nx\n",
      "nonsense=1\n\n",
      "",
    ];
    for (const request of requests) {
      const [ours, theirs] = [await uapi(IF_PLUG, request), await uapi(IF_REF, request)];
      // wireguard-go answers a bad get with a negative errno, which wg cannot parse; plugd sends it positive (§9.5).
      if (request.startsWith("get=1\nx")) assert.equal(ours, theirs.replace("errno=-", "errno="), JSON.stringify(request));
      else assert.equal(ours, theirs, JSON.stringify(request));
    }
    assert.equal(canonicalGet(await uapi(IF_PLUG, "get=1\n\n")), canonicalGet(await uapi(IF_REF, "get=1\n\n")));
  });

  it("keeps an existing session across a syncconf that does not change the peer, and roams", async () => {
    const restore = file("restore.conf",
      `[Interface]\nPrivateKey = ${keyToBase64(privA)}\nListenPort = 10000\n\n[Peer]\nPublicKey = ${pubB}\nPresharedKey = ${psk}\n` +
        "AllowedIPs = 192.168.241.2/32, fd00::2/128\nEndpoint = 127.0.0.1:20000\n");
    await wg("setconf", IF_PLUG, restore);
    await ping(NS1, "192.168.241.2");
    const before = (await dumpPeer(IF_PLUG, pubB))[4];
    await wg("syncconf", IF_PLUG, restore);
    assert.equal((await dumpPeer(IF_PLUG, pubB))[4], before, "syncconf left the handshake alone");
    await ping(NS1, "192.168.241.2");

    // wireguard-go holds 20000 in ns0: the set fails as EADDRINUSE and plugd stays where it was.
    await assert.rejects(wg("set", IF_PLUG, "listen-port", "20000"), /Address already in use/);
    assert.match(await wg("show", IF_PLUG, "listen-port"), /^10000\n$/);
    await ping(NS1, "192.168.241.2");

    await wg("set", IF_PLUG, "listen-port", "10001");
    await ping(NS1, "192.168.241.2");
    assert.equal((await dumpPeer(IF_GO, pubA))[2], "127.0.0.1:10001", "wireguard-go followed plugd to its new port");
  });

  it("sends persistent keepalives from its timer with no traffic at all", async () => {
    const received = async (): Promise<number> => Number((await dumpPeer(IF_GO, pubA))[5]);
    await wg("set", IF_PLUG, "peer", pubB, "persistent-keepalive", "1");
    const start = await received();
    // Three more keepalives (32 bytes each) need the device's timer to fire repeatedly.
    await waitFor("keepalives at wireguard-go", async () => (await received()) >= start + 3 * 32);
    await wg("set", IF_PLUG, "peer", pubB, "persistent-keepalive", "off");
  });

  it("exits and removes its socket when its TUN device is deleted", async () => {
    await ns(NS1, "ip", "link", "del", IF_PLUG);
    await waitFor("plugd to remove its socket", () => !existsSync(sock(IF_PLUG)));
  });
});

describe("plugd from a config file and under wg-quick", { timeout: 60_000 }, () => {
  const NSC = `pdvC-${tag}`;
  const IF_CONF = `pdvF${tag}`;
  let daemon: ChildProcess | null = null;

  before(async () => {
    await sh("ip", ["netns", "add", NSC]);
    await sh("ip", ["-n", NSC, "link", "set", "lo", "up"]);
  });
  after(async () => {
    daemon?.kill("SIGKILL");
    try {
      unlinkSync(sock(IF_CONF));
    } catch {
      // already removed by plugd
    }
    await exec("ip", ["netns", "del", NSC]).catch(() => undefined);
  });

  it("applies the file, sets the interface up, and takes it all down on SIGTERM", async () => {
    const conf = file("iface.conf",
      `[Interface]\nPrivateKey = ${keyToBase64(privA)}\nListenPort = 10500\nAddress = 10.66.0.1/24\nMTU = 1380\n\n` +
        `[Peer]\nPublicKey = ${pubB}\nAllowedIPs = 10.66.0.2/32\nEndpoint = 127.0.0.1:10501\n`);
    const child = spawn("ip", ["netns", "exec", NSC, process.execPath, "--import", "tsx", MAIN, "-f", IF_CONF, "--config", conf], {
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, LOG_LEVEL: "error" },
    });
    daemon = child;
    let stderr = "";
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (d: string) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    await waitFor("plugd's socket", () => existsSync(sock(IF_CONF)));
    await waitFor("the address from the file", async () => (await ns(NSC, "ip", "-o", "address", "show", "dev", IF_CONF)).includes("10.66.0.1/24"));
    assert.match(await wg("show", IF_CONF, "listen-port"), /^10500\n$/);
    assert.match(await wg("show", IF_CONF, "allowed-ips"), /\t10\.66\.0\.2\/32\n$/);
    assert.match(await ns(NSC, "ip", "link", "show", "dev", IF_CONF), /mtu 1380 .*state UNKNOWN/);
    child.kill("SIGTERM");
    assert.equal(await exited, 0, stderr);
    assert.equal(existsSync(sock(IF_CONF)), false);
    await assert.rejects(ns(NSC, "ip", "link", "show", "dev", IF_CONF));
  });

  it("is started and stopped by wg-quick as its userspace implementation", async () => {
    const conf = file(`${IF_CONF}.conf`,
      `[Interface]\nPrivateKey = ${keyToBase64(privA)}\nAddress = 10.67.0.1/24\n\n[Peer]\nPublicKey = ${pubB}\nAllowedIPs = 10.67.0.2/32, 10.68.0.0/16\n`);
    const env = { ...process.env, WG_QUICK_USERSPACE_IMPLEMENTATION: fileURLToPath(new URL("../bin/plugd.js", import.meta.url)), LOG_LEVEL: "" };
    await exec("ip", ["netns", "exec", NSC, "wg-quick", "up", conf], { env });
    assert.ok(existsSync(sock(IF_CONF)));
    assert.match(await wg("show", IF_CONF, "allowed-ips"), /\t10\.67\.0\.2\/32 10\.68\.0\.0\/16\n$/);
    assert.match(await ns(NSC, "ip", "route", "show", "dev", IF_CONF), /^10\.68\.0\.0\/16 /m);
    await exec("ip", ["netns", "exec", NSC, "wg-quick", "down", conf], { env });
    await waitFor("plugd to exit after wg-quick down", () => !existsSync(sock(IF_CONF)));
  });
});
