// plugd's command line: argument parsing (pure) and the real binary's
// --help/--version/usage errors and config errors, which must exit 1 before
// any interface exists.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { parseArgs, UsageError } from "../src/cli/index.js";

const exec = promisify(execFile);
const MAIN = fileURLToPath(new URL("../src/main.ts", import.meta.url));

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function plugd(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Result> {
  try {
    const { stdout, stderr } = await exec(process.execPath, ["--import", "tsx", MAIN, ...args], {
      env: { ...process.env, LOG_LEVEL: "", WG_PROCESS_FOREGROUND: "", ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

async function linkExists(ifname: string): Promise<boolean> {
  try {
    await exec("ip", ["link", "show", "dev", ifname]);
    return true;
  } catch {
    return false;
  }
}

describe("parseArgs", () => {
  it("follows wireguard-go's [-f|--foreground] INTERFACE-NAME", () => {
    assert.deepEqual(parseArgs(["wg0"], {}), { kind: "run", ifname: "wg0", foreground: false, configPath: null });
    assert.deepEqual(parseArgs(["-f", "wg0"], {}), { kind: "run", ifname: "wg0", foreground: true, configPath: null });
    assert.deepEqual(parseArgs(["wg0", "--foreground"], {}), { kind: "run", ifname: "wg0", foreground: true, configPath: null });
    assert.deepEqual(parseArgs(["wg0"], { WG_PROCESS_FOREGROUND: "1" }), { kind: "run", ifname: "wg0", foreground: true, configPath: null });
  });

  it("takes --config FILE and --config=FILE", () => {
    assert.deepEqual(parseArgs(["wg0", "--config", "/x.conf"], {}), { kind: "run", ifname: "wg0", foreground: false, configPath: "/x.conf" });
    assert.deepEqual(parseArgs(["--config=/y.conf", "-f", "wg0"], {}), { kind: "run", ifname: "wg0", foreground: true, configPath: "/y.conf" });
  });

  it("dispatches the key subcommands, help and version", () => {
    assert.deepEqual(parseArgs(["genkey"], {}), { kind: "key", name: "genkey" });
    assert.deepEqual(parseArgs(["pubkey"], {}), { kind: "key", name: "pubkey" });
    assert.deepEqual(parseArgs(["genpsk"], {}), { kind: "key", name: "genpsk" });
    assert.deepEqual(parseArgs(["--help"], {}), { kind: "help" });
    assert.deepEqual(parseArgs(["wg0", "-h"], {}), { kind: "help" });
    assert.deepEqual(parseArgs(["--version"], {}), { kind: "version" });
  });

  it("rejects what it does not understand", () => {
    for (const argv of [[], ["-x", "wg0"], ["wg0", "wg1"], ["wg0", "--config"], ["--config="], ["genkey", "extra"]]) {
      assert.throws(() => parseArgs(argv, {}), UsageError, argv.join(" "));
    }
  });
});

describe("plugd binary", () => {
  it("prints a man-page style --help and a --version", async () => {
    const help = await plugd(["--help"]);
    assert.equal(help.code, 0);
    for (const section of ["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "ENVIRONMENT", "FILES", "EXIT STATUS", "SEE ALSO"]) {
      assert.match(help.stdout, new RegExp(`^${section}$`, "m"));
    }
    const version = await plugd(["--version"]);
    assert.equal(version.code, 0);
    assert.match(version.stdout, /^plugd v\d+\.\d+\.\d+\n/);
  });

  it("exits 1 with the usage on a bad command line", async () => {
    const r = await plugd(["--frobnicate", "wg0"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /unknown option --frobnicate\nUsage: plugd /);
  });

  it("reports a config error as file:line and exits 1 before creating anything, in both modes", async () => {
    const dir = mkdtempSync(`${tmpdir()}/pdv-cli-`);
    const ifname = `pdvc${process.pid % 100000}`;
    try {
      const conf = `${dir}/bad.conf`;
      writeFileSync(conf, "[Interface]\nListenPort = 51820\nNoSuchKey = 1\n", { mode: 0o600 });
      for (const args of [["-f", ifname, "--config", conf], [ifname, "--config", conf]]) {
        const r = await plugd(args);
        assert.equal(r.code, 1, args.join(" "));
        assert.match(r.stderr, new RegExp(`^${conf.replace(/[.]/g, "\\.")}:3: `, "m"));
        assert.equal(await linkExists(ifname), false);
      }
      const missing = await plugd(["-f", ifname, "--config", `${dir}/absent.conf`]);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /absent\.conf:0: /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
