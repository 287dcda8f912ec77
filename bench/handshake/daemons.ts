// The daemon rows of bench:handshake: responder handshakes per CPU second of a real wireguard-go
// process (the reference the issue sets its goals against) and of a real plugd process, driven by
// one load generator (load-generator.ts) in the same run, over the loopback of a private
// namespace. Both daemons get the same static key and the same peers, so both answer the same
// pre-computed initiations; each repeat runs both, in alternating order.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { Daemon, REPO_ROOT, UAPI_DIR, implCommand, requirePrerequisites, run, waitForUapiSocket, type Impl } from "../../test/support/netns.js";
import { uapiRequest } from "../../test/checker/uapi.js";
import { generateKeypair } from "./wg.js";
import type { RunResult } from "./load-generator.js";

export interface DaemonBenchOptions {
  /** Initiator peers (each with its own source address). */
  readonly peers: number;
  /** Timed initiations per run. */
  readonly handshakes: number;
  /** Initiations in flight at most (well under wireguard-go's under-load depth of 128). */
  readonly window: number;
  readonly repeats: number;
}

export interface DaemonRun extends RunResult {
  readonly impl: Impl;
  readonly repeat: number;
  /** Responses per CPU second of the daemon. */
  readonly perCpuS: number;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

/** JSON-lines request/answer with the generator child, one command at a time. */
class Generator {
  private readonly answers: ((o: Record<string, unknown>) => void)[] = [];

  constructor(private readonly child: ChildProcess) {
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const o = JSON.parse(line) as Record<string, unknown>;
      this.answers.shift()?.(o);
    });
    // A generator that dies must fail the run, not leave it waiting for an answer.
    child.on("exit", (code, signal) => {
      for (const answer of this.answers.splice(0)) answer({ ev: "error", message: `exited (${String(code ?? signal)})` });
    });
  }

  async ask<T>(command: object, expect: string): Promise<T> {
    const answer = new Promise<Record<string, unknown>>((res) => this.answers.push(res));
    this.child.stdin!.write(`${JSON.stringify(command)}\n`);
    const o = await answer;
    if (o.ev !== expect) throw new Error(`load generator: ${String(o.message ?? JSON.stringify(o))}`);
    return o as T;
  }
}

export async function runDaemonBench(opts: DaemonBenchOptions, progress: () => void): Promise<DaemonRun[]> {
  const impls: Impl[] = ["wireguard-go", "plugd"];
  requirePrerequisites(impls);
  const ns = `phs${randomBytes(3).toString("hex").slice(0, 5)}`;
  const daemons: Daemon[] = [];
  const ifnames = impls.map((impl) => `${ns}${impl === "plugd" ? "p" : "g"}`);
  let gen: ChildProcess | undefined;
  // Interrupted runs must not leave the namespace or UAPI sockets behind (both are shared).
  const cleanupSync = (): void => {
    gen?.kill("SIGKILL");
    for (const d of daemons) d.killSync();
    try {
      execFileSync("ip", ["netns", "del", ns], { stdio: "ignore" });
    } catch {
      // already gone
    }
    for (const name of ifnames) {
      const sock = join(UAPI_DIR, `${name}.sock`);
      try {
        if (existsSync(sock)) unlinkSync(sock);
      } catch {
        // the daemon removed it itself
      }
    }
  };
  const onSignal = (sig: NodeJS.Signals): void => {
    cleanupSync();
    process.kill(process.pid, sig);
  };
  process.on("exit", cleanupSync);
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.once(sig, onSignal);
  try {
    await run("ip", ["netns", "add", ns]);
    await run("ip", ["-n", ns, "link", "set", "lo", "up"]);
    const responder = generateKeypair((n) => randomBytes(n));
    const ports = impls.map(() => 20000 + (randomBytes(2).readUInt16LE(0) % 40000));
    for (const [i, impl] of impls.entries()) {
      const name = ifnames[i] as string;
      const child = spawn("ip", ["netns", "exec", ns, implCommand(impl), "-f", name], { env: { ...process.env, LOG_LEVEL: "error" }, stdio: ["ignore", "pipe", "pipe"] });
      const d = new Daemon(`${impl} -f ${name}`, child, 64 * 1024);
      daemons.push(d);
      await waitForUapiSocket(name, d);
      // `ip netns exec` and `env` exec in place, so the pid is the daemon's own.
      const comm = readFileSync(`/proc/${d.pid ?? 0}/comm`, "utf8").trim();
      if (comm !== (impl === "plugd" ? "node" : "wireguard-go")) throw new Error(`pid ${d.pid ?? 0} of ${impl} is "${comm}"`);
    }

    gen = spawn("ip", ["netns", "exec", ns, process.execPath, "--import", "tsx", join(REPO_ROOT, "bench/handshake/load-generator.ts")], {
      cwd: REPO_ROOT,
      stdio: ["pipe", "pipe", "inherit"],
    });
    const g = new Generator(gen);
    const ready = await g.ask<{ publics: string[] }>({ op: "setup", responderPublic: hex(responder.publicKey), peers: opts.peers }, "ready");
    const peerLines = ready.publics.map((p) => `public_key=${p}\n`).join("");
    for (const [i, name] of ifnames.entries()) {
      const r = await uapiRequest(join(UAPI_DIR, `${name}.sock`), `set=1\nprivate_key=${hex(responder.privateKey)}\nlisten_port=${ports[i] ?? 0}\n${peerLines}\n`);
      if (r !== "errno=0\n\n") throw new Error(`configuring ${name}: ${r.trim()}`);
    }

    const warmPasses = 2;
    const runs: DaemonRun[] = [];
    for (let repeat = 0; repeat < opts.repeats; repeat++) {
      await g.ask({ op: "prepare", count: opts.handshakes + warmPasses * opts.peers }, "prepared");
      const order = repeat % 2 === 0 ? [0, 1] : [1, 0];
      for (const i of order) {
        const impl = impls[i] as Impl;
        const d = daemons[i] as Daemon;
        if (!d.running) throw new Error(`${impl} exited:\n${d.output}`);
        const r = await g.ask<RunResult>({ op: "run", port: ports[i], pid: d.pid, warmPasses, window: opts.window }, "result");
        if (r.responses === 0) throw new Error(`${impl} answered no initiation (${JSON.stringify(r)}):\n${d.output}`);
        runs.push({ impl, repeat, ...r, perCpuS: r.responses / r.daemonCpuS });
        progress();
      }
    }
    return runs;
  } finally {
    gen?.stdin?.end();
    for (const d of daemons) await d.stop();
    cleanupSync();
    process.off("exit", cleanupSync);
    for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.off(sig, onSignal);
  }
}
