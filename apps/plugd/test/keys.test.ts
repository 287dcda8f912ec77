// plugd genkey/pubkey/genpsk against the real `wg`: same output bytes, same
// exit codes, and each tool accepts the other's keys.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { openSync, closeSync, mkdtempSync, rmSync, createWriteStream, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Readable } from "node:stream";
import { runKeyCommand, type KeyCommand } from "../src/keys/commands.js";

async function ours(name: KeyCommand, stdin: Buffer | string = ""): Promise<{ code: number; out: string; err: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  const outChunks: Buffer[] = [];
  const errChunks: Buffer[] = [];
  out.on("data", (c: Buffer) => outChunks.push(c));
  err.on("data", (c: Buffer) => errChunks.push(c));
  const code = await runKeyCommand(name, Readable.from([Buffer.from(stdin)]), out, err);
  return { code, out: Buffer.concat(outChunks).toString("latin1"), err: Buffer.concat(errChunks).toString() };
}

function wg(args: string[], stdin: Buffer | string = ""): { code: number; out: string; err: string } {
  const r = spawnSync("wg", args, { input: stdin });
  return { code: r.status ?? -1, out: r.stdout.toString("latin1"), err: r.stderr.toString() };
}

test("genkey: a clamped key as base64 + newline, and wg pubkey accepts it like ours", async () => {
  for (let i = 0; i < 20; i++) {
    const g = await ours("genkey");
    assert.equal(g.code, 0);
    assert.match(g.out, /^[A-Za-z0-9+/]{43}=\n$/);
    const raw = Buffer.from(g.out.trim(), "base64");
    assert.equal(raw[0]! & 7, 0);
    assert.equal(raw[31]! & 0xc0, 0x40);
    const theirs = wg(["pubkey"], g.out);
    assert.equal(theirs.code, 0, theirs.err);
    const mine = await ours("pubkey", g.out);
    assert.equal(mine.code, 0);
    assert.equal(mine.out, theirs.out);
  }
});

test("pubkey of wg genkey output equals wg's own pubkey", async () => {
  for (let i = 0; i < 20; i++) {
    const k = wg(["genkey"]);
    assert.equal(k.code, 0);
    assert.equal((await ours("pubkey", k.out)).out, wg(["pubkey"], k.out).out);
  }
  // An unclamped wg genpsk value is a valid private key input too (X25519 clamps).
  const psk = wg(["genpsk"]).out;
  assert.equal((await ours("pubkey", psk)).out, wg(["pubkey"], psk).out);
});

test("pubkey matches the published vector", async () => {
  const r = await ours("pubkey", "WAmgVYXkbT2bCtdcDwolI88/iVi/aV3/PHcUBTQSYmo=\n");
  assert.deepEqual(r, { code: 0, out: "K5sF9yESrSBsOXPd6TcpKNgqoy1Ik3ZFKl4FolzrRyI=\n", err: "" });
});

test("genpsk: 32 random bytes, base64 + newline, not clamped", async () => {
  let unclamped = false;
  const seen = new Set<string>();
  for (let i = 0; i < 64; i++) {
    const g = await ours("genpsk");
    assert.equal(g.code, 0);
    assert.match(g.out, /^[A-Za-z0-9+/]{43}=\n$/);
    seen.add(g.out);
    const raw = Buffer.from(g.out.trim(), "base64");
    if ((raw[0]! & 7) !== 0 || (raw[31]! & 0xc0) !== 0x40) unclamped = true;
    assert.equal(wg(["pubkey"], g.out).code, 0, "wg accepts it as a key");
  }
  assert.equal(seen.size, 64);
  assert.ok(unclamped, "64 PSKs all looked clamped: genpsk must not clamp");
});

test("pubkey rejects bad input exactly where wg does", async () => {
  const valid = "WAmgVYXkbT2bCtdcDwolI88/iVi/aV3/PHcUBTQSYmo=";
  const inputs: Array<string | Buffer> = [
    "",
    "\n",
    valid.slice(0, 43),
    valid.slice(0, 43) + "\n",
    " " + valid,
    valid + "x",
    valid + "\n\nx",
    valid + " \t\r\n\v\f",
    Buffer.concat([Buffer.from(valid), Buffer.from([0, 0, 10])]),
    valid.slice(0, 42) + "p=", // non-canonical last character
    valid.slice(0, 43) + "A",
    valid.replace("/", "_"),
    valid.replace("/", "-"),
    "A".repeat(44),
    "A".repeat(43) + "=",
    valid + valid,
    Buffer.from([0xff, ...Buffer.from(valid.slice(1))]),
  ];
  for (const input of inputs) {
    const theirs = wg(["pubkey"], input);
    const mine = await ours("pubkey", input);
    const label = JSON.stringify(input.toString());
    assert.equal(mine.code, theirs.code, label);
    assert.equal(mine.out, theirs.out, label);
    // Same message as wg, with our program name in front instead of "wg".
    assert.equal(mine.err.replace(/^plugd: /, "wg: "), theirs.err, label);
  }
  const bad = await ours("pubkey", "nope");
  assert.deepEqual(bad, { code: 1, out: "", err: "plugd: Key is not the correct length or format\n" });
});

test("genkey warns, as wg does, when the output file is world-accessible", async () => {
  const dir = mkdtempSync(join(tmpdir(), "pcf-keys-"));
  try {
    for (const [mode, warned] of [[0o644, true], [0o600, false]] as const) {
      const path = join(dir, `k${mode.toString(8)}`);
      closeSync(openSync(path, "w", mode));
      const fd = openSync(path, "w");
      const out = createWriteStream("", { fd, autoClose: false });
      const err = new PassThrough();
      let errText = "";
      err.on("data", (c: Buffer) => (errText += c.toString()));
      assert.equal(await runKeyCommand("genkey", Readable.from([]), out, err), 0);
      closeSync(fd);
      assert.match(readFileSync(path, "latin1"), /^[A-Za-z0-9+/]{43}=\n$/);
      assert.equal(errText.includes("Warning: writing to world accessible file."), warned);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
