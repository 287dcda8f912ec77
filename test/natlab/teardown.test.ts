// A NAT lab leaves nothing behind — no namespace, process, interface or file — whether it is
// closed, its process dies of an uncaught exception, or its process is sent SIGTERM.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { NatLab } from "../support/natlab/index.js";
import { REPO_ROOT, run, waitFor } from "../support/netns.js";

interface Footprint {
  readonly id: string;
  readonly dir: string;
  readonly namespaces: readonly string[];
  readonly pids: readonly number[];
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function assertGone(f: Footprint): Promise<void> {
  // Agents end on stdin EOF once their parent is gone: give them a moment, no more.
  await waitFor(`every lab process (${f.pids.join(",")}) to exit`, async () => (f.pids.some(alive) ? undefined : true), 5_000, 50);
  const netns = (await run("ip", ["netns", "list"])).stdout;
  for (const ns of f.namespaces) assert.doesNotMatch(netns, new RegExp(`^${ns}\\b`, "m"));
  assert.doesNotMatch(netns, new RegExp(`^${f.id}-`, "m"));
  assert.doesNotMatch((await run("ip", ["-o", "link"])).stdout, new RegExp(f.id));
  assert.equal(existsSync(f.dir), false, `${f.dir} still exists`);
}

/** `running`: check the processes are alive now (not after a fixture that already died). */
function assertBusy(f: Footprint, running = true): void {
  // internet + router + host, and coordd, miniupnpd, tcpdump and an agent among the processes.
  assert.equal(f.namespaces.length, 3, f.namespaces.join(","));
  assert.ok(f.pids.length >= 4, `only ${f.pids.length} processes`);
  if (running) {
    assert.ok(f.pids.every(alive));
    assert.ok(existsSync(f.dir));
  }
}

test("close() removes every namespace, process, interface and file", async () => {
  const lab = await NatLab.create();
  let f: Footprint;
  try {
    const home = await lab.addSite("home", { nat: "eim", upnp: true });
    const a = await home.addHost("a");
    await lab.agent(a).open();
    await lab.capture();
    f = { id: lab.id, dir: lab.lab.dir, namespaces: lab.namespaceNames(), pids: await lab.processes() };
    assertBusy(f);
  } finally {
    await lab.close();
  }
  await assertGone(f);
});

const FIXTURE = fileURLToPath(new URL("./fixtures/abandoned-lab.ts", import.meta.url));

for (const mode of ["throw", "signal"] as const) {
  test(`a process that ${mode === "throw" ? "dies of an uncaught exception" : "is sent SIGTERM"} takes its lab with it`, { timeout: 90_000 }, async () => {
    const child = spawn(process.execPath, ["--import", "tsx", FIXTURE, mode], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stderr.on("data", (d: Buffer) => void (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
    const report = new Promise<string>((resolve, reject) => {
      child.stdout.on("data", (d: Buffer) => {
        out += d.toString();
        if (out.includes("\n")) resolve(out.slice(0, out.indexOf("\n")));
      });
      void exited.then((code) => reject(new Error(`fixture exited (${String(code)}) before reporting:\n${err}`)));
    });
    try {
      const line = await report;
      const f = JSON.parse(line) as Footprint;
      assertBusy(f, mode === "signal");
      if (mode === "signal") child.kill("SIGTERM");
      const code = await exited;
      assert.notEqual(code, 0, err);
      await assertGone(f);
    } finally {
      child.kill("SIGKILL");
    }
  });
}
