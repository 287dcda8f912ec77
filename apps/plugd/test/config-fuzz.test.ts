// Garbage in, ConfigError out: mutated and random config files must never make
// the parser throw anything else, report a line outside the file, or echo key
// material. Seeded so a failure is reproducible (the seed is in the message).
import { test } from "node:test";
import assert from "node:assert/strict";
import { ConfigError, formatConfig, parseConfig, type PlugConfig } from "../src/config/index.js";

/** Everything but the peers' line numbers, which formatting changes. */
function comparable(cfg: PlugConfig): unknown {
  return { ...cfg, peers: cfg.peers.map((p) => ({ ...p, line: 0 })) };
}

const PRIV = "WAmgVYXkbT2bCtdcDwolI88/iVi/aV3/PHcUBTQSYmo=";
const PUB = "K5sF9yESrSBsOXPd6TcpKNgqoy1Ik3ZFKl4FolzrRyI=";
const PSK = "FpCyhws9cxwWoV4xELtfJvjJN+zQVRPISllRWgeopVE=";
const SECRETS = [PRIV, PSK];

const seeds = [
  `[Interface]\nPrivateKey = ${PRIV}\nListenPort = 51820\nFwMark = 0xca6c\nAddress = 10.0.0.1/24, fd00::1/64\nMTU = 1420\nDNS = 10.0.0.53, corp.example\nTable = auto\nPreUp = echo up %i\nPostDown = echo down %i # c\nSaveConfig = false\nCoordinator = c.example:3478\nCoordinatorKey = ${PUB}\nCoordinatorWebSocket = wss://c.example/ws\nPortMapping = auto\n\n[Peer]\nPublicKey = ${PUB}\nPresharedKey = ${PSK}\nAllowedIPs = 0.0.0.0/0, ::/0\nEndpoint = [2001:db8::1]:51820\nPersistentKeepalive = 25\n`,
  `[interface]\nprivatekey=${PRIV}\n[peer]\npublickey=${PUB}\nallowedips=10.1.0.20/29,192.168.4.4\nendpoint=vpn.example.com:1\n`,
  `# only a comment\n[Peer]\nPublicKey=${PUB}\nAllowedIPs=\nPersistentKeepalive=off\n`,
];

const tokens = [
  "[Interface]", "[Peer]", "[", "]", "=", "#", ",", ":", "/", "%", "%i", "[]", "\n", "\r", "\t", " ", "\0", "\uFEFF", "é", "\u2028",
  "PrivateKey", "ListenPort", "FwMark", "Address", "MTU", "DNS", "Table", "PreUp", "PostUp", "PreDown", "PostDown",
  "SaveConfig", "PublicKey", "PresharedKey", "AllowedIPs", "Endpoint", "PersistentKeepalive", "Coordinator",
  "CoordinatorKey", "CoordinatorWebSocket", "PortMapping", "__proto__", "constructor", "toString",
  "0", "-1", "65535", "65536", "4294967296", "0x", "0xffffffff", "off", "auto", "true", "false", "::", "::ffff:1.2.3.4",
  "1.2.3.4", "255.255.255.255", "/0", "/33", "/129", "[::1]:1", "1e3", "NaN", "Infinity", "ws://", "wss://a/",
  PUB, PRIV.slice(0, 43), "=".repeat(50), "9".repeat(400), "a.".repeat(200),
];

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function mutate(text: string, rnd: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  let s = text;
  const n = 1 + Math.floor(rnd() * 6);
  for (let k = 0; k < n; k++) {
    const at = Math.floor(rnd() * (s.length + 1));
    const len = Math.floor(rnd() * 12);
    switch (Math.floor(rnd() * 7)) {
      case 0: s = s.slice(0, at) + s.slice(at + len); break; // delete
      case 1: s = s.slice(0, at) + pick(tokens) + s.slice(at); break; // insert a token
      case 2: s = s.slice(0, at) + String.fromCharCode(Math.floor(rnd() * 0x3000)) + s.slice(at + 1); break; // replace a char
      case 3: { // duplicate or drop a line
        const lines = s.split("\n");
        const i = Math.floor(rnd() * lines.length);
        if (rnd() < 0.5) lines.splice(i, 0, lines[i] ?? ""); else lines.splice(i, 1);
        s = lines.join("\n");
        break;
      }
      case 4: { // swap two lines
        const lines = s.split("\n");
        const i = Math.floor(rnd() * lines.length);
        const j = Math.floor(rnd() * lines.length);
        [lines[i], lines[j]] = [lines[j] ?? "", lines[i] ?? ""];
        s = lines.join("\n");
        break;
      }
      case 5: { // replace a value
        const lines = s.split("\n");
        const i = Math.floor(rnd() * lines.length);
        const line = lines[i] ?? "";
        const eq = line.indexOf("=");
        lines[i] = (eq >= 0 ? line.slice(0, eq + 1) : line + "=") + pick(tokens) + (rnd() < 0.3 ? "," + pick(tokens) : "");
        s = lines.join("\n");
        break;
      }
      default: s = s.slice(0, at) + pick(tokens) + pick(tokens) + s.slice(at); break;
    }
  }
  return s;
}

function randomText(rnd: () => number): string {
  const len = Math.floor(rnd() * 300);
  const bytes = new Uint8Array(len);
  for (let i = 0; i < len; i++) bytes[i] = rnd() < 0.7 ? 0x20 + Math.floor(rnd() * 95) : Math.floor(rnd() * 256);
  return Buffer.from(bytes).toString(rnd() < 0.5 ? "utf8" : "latin1");
}

test("20,000 mutated and random config files throw nothing but ConfigError, and what parses round-trips", () => {
  const seed = Number(process.env.FUZZ_SEED ?? 0x5eed);
  const rnd = prng(seed);
  let parsed = 0;
  let rejected = 0;
  const lineOf = new Set<number>();
  for (let i = 0; i < 20000; i++) {
    const base = seeds[i % seeds.length] ?? "";
    const text = i % 10 === 9 ? randomText(rnd) : mutate(base, rnd);
    const lineCount = text.replace(/^\uFEFF/, "").split(/\r\n|\n|\r/).length;
    try {
      const cfg = parseConfig(text, "fuzz.conf");
      parsed++;
      for (const p of cfg.peers) {
        assert.equal(p.publicKey.length, 32);
        for (const a of p.allowedIps) assert.ok(a.cidr >= 0 && a.cidr <= a.bytes.length * 8);
      }
      // What SaveConfig writes must read back as the same config.
      const again = parseConfig(formatConfig(cfg), "fuzz.conf");
      assert.deepEqual(comparable(again), comparable(cfg), `seed ${seed} case ${i}: round trip\n${JSON.stringify(text)}`);
    } catch (err) {
      if (!(err instanceof ConfigError)) assert.fail(`seed ${seed} case ${i}: ${String(err)}\n${JSON.stringify(text)}`);
      rejected++;
      assert.match(err.message, /^fuzz\.conf:\d+: \S/);
      assert.ok(err.line >= 1 && err.line <= lineCount, `seed ${seed} case ${i}: line ${err.line} of ${lineCount}`);
      lineOf.add(err.line);
      for (const secret of SECRETS) {
        for (let k = 0; k + 12 <= secret.length; k++) {
          assert.ok(!err.message.includes(secret.slice(k, k + 12)), `seed ${seed} case ${i} leaks key material: ${err.message}`);
        }
      }
    }
  }
  // Both outcomes must be common, or the mutations are not exercising the parser.
  assert.ok(parsed > 500, `only ${parsed} files parsed`);
  assert.ok(rejected > 5000, `only ${rejected} files rejected`);
  assert.ok(lineOf.size > 10);
});
