import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile, chmod } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EADDRINUSE, formatPrefix, keyFromBase64, keyToBase64 } from "@plug/wireguard";
// The test double is built on the wireguard sources, not on the package build
// this file otherwise uses, so the DeviceError it throws is the sources' class.
import { DeviceError } from "../../../packages/wireguard/src/index.js";
import { DeviceControlTestDouble } from "../../../packages/wireguard/test/support/device-control-double.js";
import {
  ConfigError,
  accessWarning,
  applyConfig,
  loadConfig,
  parseConfig,
  resolutionRetries,
  systemResolver,
  type Resolver,
} from "../src/config/index.js";

const PRIV = "WAmgVYXkbT2bCtdcDwolI88/iVi/aV3/PHcUBTQSYmo=";
const OWN_PUB = "K5sF9yESrSBsOXPd6TcpKNgqoy1Ik3ZFKl4FolzrRyI=";
const PUB_A = "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=";
const PUB_B = "TrMvSoP4jYQlY6RIzBgbssQqY3vxI2Pi+y71lOWWXX0=";
const PUB_OLD = "gN65BkIKy1eCE9pP1wdc8ROUtkHLF2PfAqYdyYBz6EA=";
const PSK = "FpCyhws9cxwWoV4xELtfJvjJN+zQVRPISllRWgeopVE=";

function deviceWithOldState(): DeviceControlTestDouble {
  const dev = new DeviceControlTestDouble();
  dev.listenPort = 1234;
  dev.fwmark = 99;
  dev.ensurePeer(keyFromBase64(PUB_OLD));
  dev.addPeerAllowedIp(keyFromBase64(PUB_OLD), { family: 4, bytes: Uint8Array.of(192, 168, 0, 0), cidr: 16 });
  dev.ensurePeer(keyFromBase64(PUB_A));
  dev.setPeerPersistentKeepalive(keyFromBase64(PUB_A), 10);
  dev.addPeerAllowedIp(keyFromBase64(PUB_A), { family: 4, bytes: Uint8Array.of(172, 16, 0, 0), cidr: 12 });
  dev.calls = [];
  return dev;
}

const noResolve: Resolver = async (host) => assert.fail(`unexpected resolution of ${host}`);

test("applyConfig replaces everything, like wg setconf", async () => {
  const dev = deviceWithOldState();
  const cfg = parseConfig(
    `[Interface]\nPrivateKey=${PRIV}\nAddress=10.0.0.1/24\n[Peer]\nPublicKey=${PUB_A}\nPresharedKey=${PSK}\nAllowedIPs=10.0.0.2/32,10.9.0.0/16\nEndpoint=192.0.2.7:51820\n[Peer]\nPublicKey=${PUB_B}\nAllowedIPs=10.9.0.0/16\nAllowedIPs=fd00::/64\nEndpoint=[2001:db8::9]:1\nPersistentKeepalive=25\n[Peer]\nPublicKey=${OWN_PUB}\nAllowedIPs=10.7.0.0/16\n`,
    "apply.conf",
  );
  await applyConfig(dev, cfg, noResolve);
  assert.deepEqual(dev.calls.slice(0, 4), ["setPrivateKey", "setListenPort 0", "setFwmark 0", "removeAllPeers"]);
  assert.equal(keyToBase64(dev.privateKey ?? new Uint8Array()), PRIV);
  assert.equal(dev.fwmark, 0);
  const snap = dev.snapshot();
  assert.deepEqual(snap.peers.map((p) => keyToBase64(p.publicKey)), [PUB_A, PUB_B], "old peer gone, own key ignored");
  const [a, b] = snap.peers;
  assert.ok(a && b);
  assert.equal(keyToBase64(a.presharedKey ?? new Uint8Array()), PSK);
  assert.deepEqual(a.endpoint, { family: 4, address: "192.0.2.7", port: 51820 });
  assert.equal(a.persistentKeepalive, 0, "keepalive from the old state does not survive");
  // 10.9.0.0/16 moved to the later peer, as the device's exclusive table does.
  assert.deepEqual(a.allowedIps.map(formatPrefix), ["10.0.0.2/32"]);
  assert.equal(b.presharedKey, null);
  assert.deepEqual(b.endpoint, { family: 6, address: "2001:db8::9", port: 1 });
  assert.equal(b.persistentKeepalive, 25);
  assert.deepEqual(b.allowedIps.map(formatPrefix), ["10.9.0.0/16", "fd00::/64"]);
});

test("applyConfig sets listen port and fwmark from the file and clears a missing private key", async () => {
  const dev = deviceWithOldState();
  dev.privateKey = keyFromBase64(PRIV);
  await applyConfig(dev, parseConfig("[Interface]\nListenPort=51000\nFwMark=0x10\n", "x"), noResolve);
  assert.deepEqual(dev.calls, ["setPrivateKey", "setListenPort 51000", "setFwmark 16", "removeAllPeers"]);
  assert.equal(dev.privateKey, null);
  assert.equal(dev.snapshot().peers.length, 0);
});

test("a busy listen port surfaces as the device's DeviceError", async () => {
  const dev = new DeviceControlTestDouble({ busyPorts: [51000] });
  await assert.rejects(applyConfig(dev, parseConfig("[Interface]\nListenPort=51000\n", "x"), noResolve), (e: unknown) => e instanceof DeviceError && e.errno === EADDRINUSE);
});

test("host names resolve at apply time; transient failures retry with wg's back-off", async () => {
  const dev = new DeviceControlTestDouble();
  const cfg = parseConfig(`[Peer]\nPublicKey=${PUB_A}\nEndpoint=vpn.example.test:4500\n`, "r");
  let attempts = 0;
  const flaky: Resolver = async (host) => {
    assert.equal(host, "vpn.example.test");
    if (++attempts < 4) throw Object.assign(new Error("temporary"), { code: "EAI_AGAIN" });
    return { family: 4, address: "198.51.100.4", port: 0 };
  };
  const delays: number[] = [];
  const warnings: string[] = [];
  await applyConfig(dev, cfg, flaky, { retries: 5, sleep: async (ms) => void delays.push(ms), warn: (m) => void warnings.push(m) });
  assert.deepEqual(delays, [1000, 1200, 1440]);
  assert.equal(warnings.length, 3);
  assert.match(warnings[0] ?? "", /Trying again in 1\.00 seconds/);
  assert.deepEqual(dev.snapshot().peers[0]?.endpoint, { family: 4, address: "198.51.100.4", port: 4500 });
});

test("a name that does not exist fails at once, with the peer's line, and leaves the device untouched", async () => {
  const dev = deviceWithOldState();
  const cfg = parseConfig(`[Interface]\nListenPort=1\n\n[Peer]\nPublicKey=${PUB_A}\nEndpoint=nope.invalid:1\n`, "/etc/plug/wg9.conf");
  let attempts = 0;
  const nx: Resolver = async () => {
    attempts++;
    throw Object.assign(new Error("nx"), { code: "ENOTFOUND" });
  };
  await assert.rejects(applyConfig(dev, cfg, nx, { retries: 10, sleep: async () => {} }), (e: unknown) => {
    assert.ok(e instanceof ConfigError);
    assert.equal(e.message, "/etc/plug/wg9.conf:4: Endpoint `nope.invalid' could not be resolved (ENOTFOUND)");
    assert.equal(e.key, "Endpoint");
    return true;
  });
  assert.equal(attempts, 1);
  assert.deepEqual(dev.calls, []);
  assert.equal(dev.listenPort, 1234);
});

test("transient failures give up after the retry budget", async () => {
  let attempts = 0;
  const down: Resolver = async () => {
    attempts++;
    throw Object.assign(new Error("again"), { code: "EAI_AGAIN" });
  };
  const cfg = parseConfig(`[Peer]\nPublicKey=${PUB_A}\nEndpoint=slow.example.test:1\n`, "r");
  await assert.rejects(applyConfig(new DeviceControlTestDouble(), cfg, down, { retries: 2, sleep: async () => {}, warn: () => {} }), ConfigError);
  assert.equal(attempts, 3);
});

test("WG_ENDPOINT_RESOLUTION_RETRIES is read like wg reads it", () => {
  assert.equal(resolutionRetries({}), 15);
  assert.equal(resolutionRetries({ WG_ENDPOINT_RESOLUTION_RETRIES: "infinity" }), Infinity);
  assert.equal(resolutionRetries({ WG_ENDPOINT_RESOLUTION_RETRIES: "3" }), 3);
  assert.equal(resolutionRetries({ WG_ENDPOINT_RESOLUTION_RETRIES: "x" }), 0);
});

test("the system resolver resolves localhost through the real getaddrinfo", async () => {
  const ep = await systemResolver("localhost");
  assert.ok(ep.address === "127.0.0.1" || ep.address === "::1", ep.address);
});

test("loadConfig reads the file, warns about its mode, and reports unreadable files as ConfigError", async () => {
  const dir = await mkdtemp(join(tmpdir(), "pcf-load-"));
  try {
    const path = join(dir, "wg0.conf");
    await writeFile(path, `[Interface]\nPrivateKey=${PRIV}\n`, { mode: 0o600 });
    await chmod(path, 0o600);
    assert.equal(await accessWarning(path), null);
    const cfg = await loadConfig(path);
    assert.equal(cfg.path, path);
    assert.equal(keyToBase64(cfg.iface.privateKey ?? new Uint8Array()), PRIV);
    await chmod(path, 0o644);
    const warning = await accessWarning(path);
    assert.match(warning ?? "", /readable by group or others \(mode 0644\)/);
    assert.ok(!(warning ?? "").includes(PRIV));
    await assert.rejects(loadConfig(join(dir, "missing.conf")), (e: unknown) => e instanceof ConfigError && e.line === 0 && /ENOENT/.test(e.message));
    await writeFile(path, "[Interface]\nBogus=1\n");
    await assert.rejects(loadConfig(path), (e: unknown) => e instanceof ConfigError && e.message === `${path}:2: unknown key "Bogus" in [Interface]`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
