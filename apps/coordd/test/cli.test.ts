// The command line: options and environment, the key file, `pubkey`, --help,
// and graceful shutdown on SIGTERM of the real installed binary.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { keyFromBase64, publicKeyFromPrivate, keyToBase64 } from "@plug/protocol";
import { loadOrCreateKey, parseOptions, UsageError } from "../src/index.js";

const bin = new URL("../../../node_modules/.bin/coordd", import.meta.url).pathname;

test("options come from the command line, then the environment, then defaults", () => {
  const d = parseOptions([], {});
  assert.equal(d.udpPort, 3478);
  assert.equal(d.altUdpPort, 3479);
  assert.equal(d.httpPort, 8080);
  const e = parseOptions(["--udp-port=4000"], { COORDD_UDP_PORT: "5000", COORDD_HTTP_PORT: "81", COORDD_ALT_ADDRESS: "192.0.2.2", COORDD_RELAY_PAIR_BPS: "1000" });
  assert.equal(e.udpPort, 4000);
  assert.equal(e.httpPort, 81);
  assert.equal(e.altAddress, "192.0.2.2");
  assert.equal(e.limits.relayPairBytesPerSecond, 1000);
  assert.throws(() => parseOptions(["--udp-port", "70000"], {}), UsageError);
  assert.throws(() => parseOptions(["--nope", "1"], {}), UsageError);
  assert.throws(() => parseOptions(["--alt-address", "example.com"], {}), UsageError);
  assert.throws(() => parseOptions(["--udp-port", "5000", "--alt-udp-port", "5000"], {}), UsageError);
  assert.throws(() => parseOptions(["--key-file"], {}), UsageError);
});

test("the key file is created once with mode 0600 and pubkey prints its public key", () => {
  const dir = mkdtempSync(join(tmpdir(), "pcd-"));
  try {
    const path = join(dir, "sub", "key");
    const k1 = loadOrCreateKey(path);
    assert.ok(k1.created);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    const k2 = loadOrCreateKey(path);
    assert.ok(!k2.created);
    assert.deepEqual(k2.privateKey, k1.privateKey);
    const text = readFileSync(path, "utf8").trim();
    assert.deepEqual(publicKeyFromPrivate(keyFromBase64(text)), k1.publicKey);
    const out = execFileSync(bin, ["pubkey", "--key-file", path], { encoding: "utf8" });
    assert.equal(out, keyToBase64(k1.publicKey) + "\n");
    assert.ok(!out.includes(text), "the private key is never printed");
    writeFileSync(join(dir, "bad"), "not a key\n", { mode: 0o600 });
    assert.throws(() => loadOrCreateKey(join(dir, "bad")));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("--help documents every option with its environment variable", () => {
  const out = execFileSync(bin, ["--help"], { encoding: "utf8" });
  for (const opt of ["--udp-port", "--alt-udp-port", "--http-port", "--key-file", "--alt-address", "COORDD_KEY_FILE", "pubkey"]) assert.ok(out.includes(opt), opt);
});

test("coordd starts from the installed binary, logs JSON without keys, and exits 0 on SIGTERM", async () => {
  const dir = mkdtempSync(join(tmpdir(), "pcd-"));
  const key = join(dir, "key");
  const child = spawn(bin, ["--bind", "127.0.0.1", "--http-host", "127.0.0.1", "--udp-port", "0", "--alt-udp-port", "0", "--http-port", "0"], {
    env: { ...process.env, COORDD_KEY_FILE: key },
    stdio: ["ignore", "pipe", "pipe"],
  });
  try {
    let log = "";
    child.stdout.on("data", (d: Buffer) => (log += d.toString()));
    child.stderr.on("data", (d: Buffer) => (log += d.toString()));
    const deadline = Date.now() + 10_000;
    while (!log.includes("coordd listening") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.match(log, /coordd listening/);
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    child.kill("SIGTERM");
    assert.equal(await exited, 0);
    assert.match(log, /coordd stopped/);
    const priv = readFileSync(key, "utf8").trim();
    assert.ok(!log.includes(priv), "the private key never reaches the log");
    for (const line of log.trim().split("\n").filter((l) => l.startsWith("{"))) JSON.parse(line);
  } finally {
    child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
});
