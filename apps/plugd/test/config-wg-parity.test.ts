// applyConfig against the real thing: the same random wg-format files go to a
// real wireguard-go through `wg setconf` and to an in-memory DeviceControl
// test double through parseConfig + applyConfig; `wg showconf` (read back with
// our parser) must describe the same device. Files follow one another on the
// same device, so each also checks that setconf replaces the previous state.
// Needs root, `ip netns`, wireguard-go and wg; names carry the "pcf" prefix.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import {
  bytesEqual,
  clampPrivateKey,
  formatEndpoint,
  formatPrefix,
  keyToBase64,
  publicKeyFromPrivate,
  type DeviceSnapshot,
} from "@plug/wireguard";
import { DeviceControlTestDouble } from "../../../packages/wireguard/test/support/device-control-double.js";
import { applyConfig, formatConfig, parseConfig, type PeerConfig, type PlugConfig } from "../src/config/index.js";

const execFileP = promisify(execFile);

const prefixPool = ["0.0.0.0/0", "::/0", "10.0.0.0/8", "10.1.0.0/16", "10.1.2.3/32", "192.168.4.0/24", "fd00::/64", "fd00::1/128", "2001:db8::/32"];

function pick<T>(xs: readonly T[]): T {
  return xs[randomBytes(1)[0]! % xs.length] as T;
}
function chance(p: number): boolean {
  return randomBytes(1)[0]! < p * 256;
}

/** A random config in plain wg syntax (no wg-quick keys), via our own formatter. */
function randomConfig(path: string): PlugConfig {
  const privateKey = clampPrivateKey(randomBytes(32));
  const own = publicKeyFromPrivate(privateKey);
  const peers: PeerConfig[] = [];
  const count = randomBytes(1)[0]! % 5;
  for (let i = 0; i < count; i++) {
    const peer: PeerConfig = {
      publicKey: chance(0.15) ? own : new Uint8Array(randomBytes(32)),
      allowedIps: [],
      line: 0,
    };
    if (peers.some((p) => bytesEqual(p.publicKey, peer.publicKey))) continue;
    if (chance(0.5)) peer.presharedKey = new Uint8Array(randomBytes(32));
    if (chance(0.5)) peer.endpoint = chance(0.5) ? { host: `198.51.100.${1 + (randomBytes(1)[0]! % 254)}`, port: 1 + randomBytes(2).readUInt16BE() % 65535 } : { host: "2001:db8::7", port: 51820 };
    if (chance(0.4)) peer.persistentKeepalive = randomBytes(2).readUInt16BE();
    const n = randomBytes(1)[0]! % 4;
    for (let k = 0; k < n; k++) {
      const text = pick(prefixPool);
      const [addr, cidr] = text.split("/");
      peer.allowedIps.push(parseConfig(`[Peer]\nPublicKey=${keyToBase64(own)}\nAllowedIPs=${addr}/${cidr}\n`, "x").peers[0]!.allowedIps[0]!);
    }
    peers.push(peer);
  }
  const iface: PlugConfig["iface"] = { addresses: [], dns: [], dnsSearch: [], preUp: [], postUp: [], preDown: [], postDown: [] };
  if (chance(0.85)) iface.privateKey = privateKey;
  if (chance(0.5)) iface.listenPort = 20000 + (randomBytes(2).readUInt16BE() % 40000);
  if (chance(0.4)) iface.fwmark = randomBytes(4).readUInt32BE();
  return { path, iface, peers };
}

interface Normal {
  privateKey: string | null;
  fwmark: number;
  peers: Array<{ pub: string; psk: string | null; endpoint: string | null; keepalive: number; allowed: string[] }>;
}

function fromSnapshot(s: DeviceSnapshot): Normal {
  return {
    privateKey: s.privateKey ? keyToBase64(s.privateKey) : null,
    fwmark: s.fwmark,
    peers: s.peers
      .map((p) => ({
        pub: keyToBase64(p.publicKey),
        psk: p.presharedKey ? keyToBase64(p.presharedKey) : null,
        endpoint: p.endpoint ? formatEndpoint(p.endpoint) : null,
        keepalive: p.persistentKeepalive,
        allowed: p.allowedIps.map(formatPrefix).sort(),
      }))
      .sort((a, b) => a.pub.localeCompare(b.pub)),
  };
}

function fromShowconf(cfg: PlugConfig): Normal {
  return {
    privateKey: cfg.iface.privateKey ? keyToBase64(cfg.iface.privateKey) : null,
    fwmark: cfg.iface.fwmark ?? 0,
    peers: cfg.peers
      .map((p) => ({
        pub: keyToBase64(p.publicKey),
        psk: p.presharedKey ? keyToBase64(p.presharedKey) : null,
        endpoint: p.endpoint ? (p.endpoint.host.includes(":") ? `[${p.endpoint.host}]:${p.endpoint.port}` : `${p.endpoint.host}:${p.endpoint.port}`) : null,
        keepalive: p.persistentKeepalive ?? 0,
        allowed: p.allowedIps.map(formatPrefix).sort(),
      }))
      .sort((a, b) => a.pub.localeCompare(b.pub)),
  };
}

test("parseConfig + applyConfig leave a device exactly where `wg setconf` leaves wireguard-go", async (t) => {
  const suffix = randomBytes(4).toString("hex");
  const ns = `pcf-${process.pid}-${suffix}`;
  const ifname = `pcf${suffix}`;
  const sock = `/var/run/wireguard/${ifname}.sock`;
  const dir = mkdtempSync(join(tmpdir(), `pcf-${suffix}-`));
  await execFileP("ip", ["netns", "add", ns]);
  const daemon = spawn("ip", ["netns", "exec", ns, "wireguard-go", "-f", ifname], { stdio: "ignore", env: { ...process.env, LOG_LEVEL: "error" } });
  t.after(async () => {
    if (daemon.pid !== undefined && daemon.exitCode === null) daemon.kill("SIGTERM");
    await execFileP("ip", ["netns", "del", ns]).catch(() => {});
    rmSync(sock, { force: true });
    rmSync(dir, { recursive: true, force: true });
  });
  for (let waited = 0; !existsSync(sock); waited++) {
    assert.ok(waited < 200 && daemon.exitCode === null, "wireguard-go did not create its UAPI socket");
    await new Promise((r) => setTimeout(r, 50));
  }

  const double = new DeviceControlTestDouble();
  let peersSeen = 0;
  for (let i = 0; i < 40; i++) {
    const path = join(dir, `c${i}.conf`);
    const generated = randomConfig(path);
    const text = formatConfig(generated);
    writeFileSync(path, text, { mode: 0o600 });
    await execFileP("wg", ["setconf", ifname, path]);
    const shown = parseConfig((await execFileP("wg", ["showconf", ifname])).stdout, "showconf");
    await applyConfig(double, parseConfig(text, path));
    const expected = fromShowconf(shown);
    assert.deepEqual(fromSnapshot(double.snapshot()), expected, `config ${i}:\n${text.replace(/(PrivateKey|PresharedKey) = .*/g, "$1 = (hidden)")}`);
    if (generated.iface.listenPort !== undefined) assert.equal(shown.iface.listenPort, generated.iface.listenPort);
    peersSeen += expected.peers.length;
  }
  assert.ok(peersSeen > 20, "the random configs must actually contain peers");
});
