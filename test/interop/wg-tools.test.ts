// The unmodified `wg` tool against plugd must render exactly what it renders against
// wireguard-go after the same steps: show, show dump, showconf, every `show IF <field>`, and the
// results of setconf, addconf, syncconf and set. Both daemons get the same keys and config; the
// outputs are normalised only where wireguard-go itself is arbitrary (see wg-output.ts).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { run, type Impl, type Lab } from "../support/netns.js";
import { inLab, pairsUnderTest } from "../support/scenario.js";
import { normaliseDump, normaliseField, normaliseShow, normaliseShowconf, type Redactions } from "../support/wg-output.js";

const impls = [...new Set(pairsUnderTest().flatMap((p) => [p.a, p.b]))].filter((i) => i !== "wireguard-go");
const subjects: Impl[] = impls.length > 0 ? impls : ["wireguard-go"]; // go vs go still proves the harness

interface Material {
  readonly privFile: string;
  readonly priv: string;
  readonly psk: string;
  readonly pskFile: string;
  readonly peers: readonly string[];
  readonly confs: Readonly<Record<"set" | "add" | "sync" | "bare", string>>;
}

async function material(lab: Lab): Promise<Material> {
  const own = await lab.genKeyPair();
  const priv = readFileSync(own.privateKeyFile, "utf8").trim();
  const psk = await lab.genPsk();
  const peers = await Promise.all([1, 2, 3].map(async () => (await lab.genKeyPair()).publicKey));
  const [p1, p2, p3] = peers as [string, string, string];
  const pskText = readFileSync(psk.file, "utf8").trim();
  const conf = (name: string, lines: string[]): string => lab.writeSecretFile(name, `${lines.join("\n")}\n`);
  return {
    privFile: own.privateKeyFile,
    priv,
    psk: pskText,
    pskFile: psk.file,
    peers,
    confs: {
      set: conf("set.conf", [
        "[Interface]", `PrivateKey = ${priv}`, "ListenPort = 51820", "",
        "[Peer]", `PublicKey = ${p1}`, `PresharedKey = ${pskText}`, "Endpoint = 127.0.0.1:51821", "AllowedIPs = 10.0.0.2/32, fd00::2/128", "",
        // Host bits are masked on insert; keepalive only on a peer without endpoint so nothing is sent.
        "[Peer]", `PublicKey = ${p2}`, "AllowedIPs = 10.0.1.0/24, 10.0.2.7/24, fd00:1::/48", "PersistentKeepalive = 25", "",
      ]),
      // Takes 10.0.1.0/24 from p2: allowed IPs are exclusive.
      add: conf("add.conf", ["[Peer]", `PublicKey = ${p3}`, "Endpoint = [::1]:51822", "AllowedIPs = 10.0.1.0/24, 192.0.2.0/25", ""]),
      sync: conf("sync.conf", [
        "[Interface]", `PrivateKey = ${priv}`, "ListenPort = 51830", "",
        "[Peer]", `PublicKey = ${p1}`, "Endpoint = 127.0.0.1:51821", "AllowedIPs = 10.0.0.0/24", "",
        // p3 is dropped; p2 comes back. Keepalive only where there is no endpoint: nothing is sent, so counters stay exact.
        "[Peer]", `PublicKey = ${p2}`, "AllowedIPs = 10.9.0.0/16", "PersistentKeepalive = 7", "",
      ]),
      bare: conf("bare.conf", ["[Interface]", `PrivateKey = ${priv}`, ""]),
    },
  };
}

async function transcript(lab: Lab, impl: Impl, tag: string, m: Material): Promise<string[]> {
  const ns = await lab.netns(tag);
  const iface = await lab.startInterface(impl, ns, tag);
  await ns.linkUp(iface.name);
  const red: Redactions = { ifname: iface.name, replace: { [m.priv]: "<PRIV>", [m.psk]: "<PSK>" } };
  const out: string[] = [];
  const wgStep = async (args: string[]): Promise<void> => {
    const r = await run("wg", args, { allowFailure: true });
    out.push(`$ wg ${args.join(" ").split(iface.name).join("IF")}\n[exit ${r.code}] ${r.stdout}${r.stderr}`.split(iface.name).join("IF"));
  };
  const views = async (label: string, randomPort?: boolean): Promise<void> => {
    const port = (await run("wg", ["show", iface.name, "listen-port"])).stdout.trim();
    const r: Redactions = randomPort ? { ...red, words: { [port]: "<PORT>" } } : red;
    if (randomPort) out.push(`${label}: random port is non-zero: ${String(Number(port) > 0)}`);
    out.push(`${label} show:\n${normaliseShow((await run("wg", ["show", iface.name])).stdout, r)}`);
    out.push(`${label} dump:\n${normaliseDump((await run("wg", ["show", iface.name, "dump"])).stdout, r)}`);
    out.push(`${label} showconf:\n${normaliseShowconf((await run("wg", ["showconf", iface.name])).stdout, r)}`);
    for (const field of ["public-key", "private-key", "listen-port", "fwmark", "peers", "preshared-keys", "endpoints", "allowed-ips", "latest-handshakes", "persistent-keepalive", "transfer"]) {
      out.push(`${label} ${field}:\n${normaliseField((await run("wg", ["show", iface.name, field])).stdout, r)}`);
    }
  };
  const [p1, , p3] = m.peers as [string, string, string];

  await views("fresh", true);
  await wgStep(["setconf", iface.name, m.confs.set]);
  await views("setconf");
  await wgStep(["addconf", iface.name, m.confs.add]);
  await views("addconf");
  await wgStep(["set", iface.name, "peer", p1, "allowed-ips", "10.0.0.2/32,10.0.0.3/32", "endpoint", "127.0.0.1:51823", "preshared-key", "/dev/null"]);
  await wgStep(["set", iface.name, "peer", p3, "persistent-keepalive", "off", "allowed-ips", ""]);
  await views("set");
  await wgStep(["syncconf", iface.name, m.confs.sync]);
  await views("syncconf");
  await wgStep(["set", iface.name, "fwmark", "0x4d2"]);
  await views("fwmark");
  await wgStep(["set", iface.name, "fwmark", "off", "listen-port", "0"]);
  await views("listen-port 0", true);
  await wgStep(["set", iface.name, "private-key", "/dev/null"]);
  await views("no private key", true);
  await wgStep(["set", iface.name, "private-key", m.privFile, "peer", p1, "remove"]);
  await views("remove", true);
  await wgStep(["setconf", iface.name, m.confs.bare]);
  await views("bare setconf", true);
  return out;
}

for (const impl of subjects) {
  test(`wg show/dump/showconf/setconf/addconf/syncconf/set: ${impl} renders like wireguard-go`, async (t) => {
    await inLab(t, async (lab) => {
      const m = await material(lab);
      const reference = await transcript(lab, "wireguard-go", "r", m);
      const subject = await transcript(lab, impl, "s", m);
      assert.ok(reference.length > 100);
      if (process.env.PLUG_E2E_TRANSCRIPT) (await import("node:fs")).writeFileSync(process.env.PLUG_E2E_TRANSCRIPT, reference.join("\n\n"));
      // Step by step, so a failure names the first diverging step.
      for (let i = 0; i < reference.length; i++) assert.equal(subject[i], reference[i], `step ${i}`);
      assert.equal(subject.length, reference.length);
    });
  });
}
