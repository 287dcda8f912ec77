// CPU profile of plugd under iperf3 load: plugd (A) <-> wireguard-go (B) over a veth, plugd started
// with a sampling-profiler preload (cpu-prof-preload.mjs), TCP A->B (plugd sends) then B->A (plugd receives), then a summary
// of the top self-time functions. Used for the "where the time goes" note in docs/PERFORMANCE.md.
//
//   node --import tsx bench/tunnel/profile.ts [--seconds 10] [--top 25] [--out DIR]
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Lab, REPO_ROOT, implsUnderTest, requirePrerequisites, vethPair } from "../../test/support/netns.js";
import { argValue, table } from "../lib/stats.js";
import { IPERF_PORT, startIperfServer, tcp } from "./measure.js";

interface CpuProfile {
  readonly nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  readonly samples: number[];
  readonly timeDeltas: number[];
  readonly startTime: number;
  readonly endTime: number;
}

/** Self time per function (name + file:line), ms, largest first. */
export function selfTimes(profile: CpuProfile): { fn: string; ms: number; pct: number }[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  for (const [i, id] of profile.samples.entries()) self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  const byFn = new Map<string, number>();
  let total = 0;
  for (const [id, us] of self) {
    const cf = byId.get(id)?.callFrame;
    if (!cf) continue;
    const file = cf.url.replace(/^file:\/\//, "").replace(`${REPO_ROOT}/`, "");
    const fn = (cf.functionName || "(anonymous)").slice(0, 60);
    const name = `${fn}${file ? ` ${file}:${cf.lineNumber + 1}` : ""}`;
    byFn.set(name, (byFn.get(name) ?? 0) + us);
    total += us;
  }
  return [...byFn.entries()].map(([fn, us]) => ({ fn, ms: us / 1000, pct: (100 * us) / total })).sort((a, b) => b.ms - a.ms);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const seconds = Number(argValue(argv, "--seconds") ?? 10);
  const top = Number(argValue(argv, "--top") ?? 25);
  const out = argValue(argv, "--out") ?? join(REPO_ROOT, "bench-results", `profile-${new Date().toISOString().replace(/[:.]/g, "-")}`);
  requirePrerequisites(["wireguard-go", "plugd"], ["iperf3", "ss"]);
  mkdirSync(out, { recursive: true });
  const lab = await Lab.create();
  const saved = process.env.NODE_OPTIONS;
  const restore = (): void => {
    if (saved === undefined) delete process.env.NODE_OPTIONS;
    else process.env.NODE_OPTIONS = saved;
    delete process.env.PLUG_CPU_PROF_DIR;
  };
  try {
    // Both daemons start with this environment; only plugd (node) reads NODE_OPTIONS. Node 20
    // rejects --cpu-prof there, so a preload starts the inspector's profiler instead.
    process.env.NODE_OPTIONS = `--import=${join(REPO_ROOT, "bench", "tunnel", "cpu-prof-preload.mjs")}`;
    process.env.PLUG_CPU_PROF_DIR = out;
    const p = await vethPair(lab, { pair: implsUnderTest("plugd-go")[0] ?? { a: "plugd", b: "wireguard-go", label: "plugd-go" } });
    restore();
    await startIperfServer(lab, p);
    await p.a.ns.ping(p.b.tunnel4, { count: 3 });
    const send = await tcp(p, 1, seconds);
    const recv = await p.a.ns.exec("iperf3", ["-c", p.b.tunnel4, "-p", String(IPERF_PORT), "-t", String(seconds), "-R", "-J"], { timeoutMs: (seconds + 30) * 1000 });
    const recvMbps = (JSON.parse(recv.stdout) as { end: { sum_received: { bits_per_second: number } } }).end.sum_received.bits_per_second / 1e6;
    process.stdout.write(`plugd sends ${send.mbps.toFixed(0)} Mbit/s, receives ${recvMbps.toFixed(0)} Mbit/s (${seconds} s each)\n`);
  } finally {
    restore();
    await lab.close(); // SIGTERM: plugd exits cleanly and writes its profile
  }
  const files = readdirSync(out).filter((f) => f.endsWith(".cpuprofile"));
  for (const f of files) {
    const prof = JSON.parse(readFileSync(join(out, f), "utf8")) as CpuProfile;
    const rows = selfTimes(prof);
    const wall = (prof.endTime - prof.startTime) / 1e6;
    process.stdout.write(`\n${f} (${wall.toFixed(1)} s profiled), top ${top} by self time:\n`);
    process.stdout.write(`${table(["function", "self ms", "self %"], rows.slice(0, top).map((r) => [r.fn, r.ms.toFixed(0), r.pct.toFixed(1)]))}\n`);
  }
  if (files.length === 0) throw new Error(`no .cpuprofile written to ${out}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
