// Tunnel benchmark (issue 3): iperf3 TCP/UDP and ping through real daemons in network
// namespaces joined by a veth, for wireguard-go<->wireguard-go (the reference), plugd<->wireguard-go
// and plugd<->plugd, measured in the same run with the pairings alternated in each round.
//
//   npm run bench                                   3 rounds, 5 s per iperf3 run (~6 min on 2 cores)
//   npm run bench -- --rounds 5 --seconds 10        longer
//   npm run bench -- --smoke                        1 round, 1 s runs, few pings (~1 min)
//   npm run bench -- --pairs go-go,plugd-plugd      choose pairings (PLUG_E2E_PAIRS syntax)
//
// Prints tables and writes bench-results/tunnel-<timestamp>.json. See docs/PERFORMANCE.md.
import { setTimeout as sleep } from "node:timers/promises";
import { Lab, implsUnderTest, requirePrerequisites, vethPair, type Daemon, type Impl, type ImplPair, type VethPair } from "../../test/support/netns.js";
import { argValue, fmt, machine, summarise, table, writeResult, type Summary } from "../lib/stats.js";
import { daemonPid, pingRtt, sampleProc, startIperfServer, tcp, udpSearch, type ProcSample, type RttResult, type TcpResult, type UdpSearch } from "./measure.js";

export interface TunnelOptions {
  readonly rounds: number;
  readonly seconds: number;
  readonly pings: number;
  readonly pingIntervalS: number;
  readonly udpSteps: number;
  readonly udpSeconds: number;
  readonly idleSeconds: number;
  readonly pairs: readonly ImplPair[];
  readonly quiet: boolean;
}

export function parseOptions(argv: readonly string[]): TunnelOptions {
  const smoke = argv.includes("--smoke");
  const num = (name: string, dflt: number): number => {
    const v = argValue(argv, name);
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} wants a positive number, got "${v}"`);
    return n;
  };
  const seconds = num("--seconds", smoke ? 1 : 5);
  return {
    rounds: num("--rounds", smoke ? 1 : 3),
    seconds,
    pings: num("--pings", smoke ? 20 : 200),
    pingIntervalS: 0.01,
    udpSteps: num("--udp-steps", smoke ? 2 : 5),
    udpSeconds: num("--udp-seconds", smoke ? 1 : Math.min(seconds, 2)),
    idleSeconds: num("--idle", smoke ? 2 : 10),
    pairs: implsUnderTest(argValue(argv, "--pairs") ?? "go-go,plugd-go,plugd-plugd"),
    quiet: argv.includes("--quiet"),
  };
}

interface DaemonRef {
  readonly side: "A" | "B";
  readonly impl: Impl;
  readonly pid: number;
}

interface Setup {
  readonly pair: ImplPair;
  readonly lab: Lab;
  readonly p: VethPair;
  readonly daemons: readonly DaemonRef[];
}

export interface RoundResult {
  readonly pairing: string;
  readonly round: number;
  readonly tcp1?: TcpResult;
  readonly tcp4?: TcpResult;
  readonly udp?: UdpSearch;
  readonly rtt?: Omit<RttResult, "samplesMs">;
  /** CPU seconds per GB received over the TCP runs of this round, per daemon side. */
  readonly cpuSPerGB?: Record<string, number>;
  readonly error?: string;
}

export interface IdleResult {
  readonly pairing: string;
  readonly seconds: number;
  /** UDP datagrams seen on the veth (either direction) while idle: should be 0. */
  readonly udpPackets: number;
  readonly perDaemon: Record<string, { rssMiB: number; cpuMs: number; ctxSwitches: number; threads: number }>;
}

export interface TunnelReport {
  readonly kind: "tunnel";
  readonly startedAt: string;
  readonly machine: Record<string, unknown>;
  readonly options: Omit<TunnelOptions, "pairs" | "quiet"> & { pairs: string[] };
  readonly idle: IdleResult[];
  /** The same window once more after the last round: what traffic left behind (heap, JIT, buffers). */
  readonly idleAfter: IdleResult[];
  readonly rounds: RoundResult[];
  readonly peakRssMiB: Record<string, Record<string, number>>;
  readonly summary: Record<string, Record<string, Summary>>;
  readonly tables: string;
}

const log = (quiet: boolean, msg: string): void => {
  if (!quiet) process.stderr.write(`${msg}\n`);
};

async function setUp(pair: ImplPair): Promise<Setup> {
  const lab = await Lab.create();
  try {
    const p = await vethPair(lab, { pair });
    await startIperfServer(lab, p);
    const daemons: DaemonRef[] = [
      { side: "A", impl: pair.a, pid: daemonPid(p.a.iface.daemon.pid) },
      { side: "B", impl: pair.b, pid: daemonPid(p.b.iface.daemon.pid) },
    ];
    return { pair, lab, p, daemons };
  } catch (err) {
    await lab.close();
    throw err;
  }
}

const IDLE_SETTLE_MS = 2000;

const key = (d: DaemonRef): string => `${d.side}:${d.impl}`;

/**
 * Every lab at once, no traffic through the tunnels meanwhile: UDP on the wire, CPU, wakeups, RSS.
 * Run before the first handshake (peers configured only) and again after the last round.
 */
async function measureIdle(setups: readonly Setup[], seconds: number): Promise<IdleResult[]> {
  const dumps: Daemon[] = [];
  for (const s of setups) {
    const d = s.lab.spawn(s.p.a.ns, "tcpdump", ["-i", s.p.links.a, "-n", "-p", "-q", "udp"]);
    dumps.push(d);
  }
  await Promise.all(dumps.map((d) => waitOutput(d, /listening on/)));
  // Let start-up work (JIT, first GC, the UAPI configuration) finish before the window opens.
  await sleep(IDLE_SETTLE_MS);
  const before = setups.map((s) => s.daemons.map((d) => sampleProc(d.pid)));
  await sleep(seconds * 1000);
  const after = setups.map((s) => s.daemons.map((d) => sampleProc(d.pid)));
  const out: IdleResult[] = [];
  for (const [i, s] of setups.entries()) {
    const d = dumps[i];
    if (!d) continue;
    await d.stop();
    const captured = Number(/(\d+) packets? captured/.exec(d.output)?.[1] ?? Number.NaN);
    const perDaemon: IdleResult["perDaemon"] = {};
    for (const [j, ref] of s.daemons.entries()) {
      const b = before[i]?.[j] as ProcSample;
      const a = after[i]?.[j] as ProcSample;
      perDaemon[key(ref)] = { rssMiB: a.rssKiB / 1024, cpuMs: (a.cpuS - b.cpuS) * 1000, ctxSwitches: a.ctxSwitches - b.ctxSwitches, threads: a.threads };
    }
    out.push({ pairing: s.pair.label, seconds, udpPackets: captured, perDaemon });
  }
  return out;
}

async function waitOutput(d: Daemon, re: RegExp, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!re.test(d.output)) {
    if (!d.running || Date.now() > deadline) throw new Error(`${d.name}: no ${String(re)} in output:\n${d.output}`);
    await sleep(50);
  }
}

async function measureRound(s: Setup, round: number, o: TunnelOptions): Promise<RoundResult> {
  const { p } = s;
  try {
    const cpu0 = s.daemons.map((d) => sampleProc(d.pid).cpuS);
    const tcp1 = await tcp(p, 1, o.seconds);
    const tcp4 = await tcp(p, 4, o.seconds);
    const cpu1 = s.daemons.map((d) => sampleProc(d.pid).cpuS);
    const gb = (tcp1.bytes + tcp4.bytes) / 1e9;
    const cpuSPerGB: Record<string, number> = {};
    for (const [i, d] of s.daemons.entries()) cpuSPerGB[key(d)] = ((cpu1[i] ?? 0) - (cpu0[i] ?? 0)) / gb;
    const udp = await udpSearch(p, tcp1.mbps, o.udpSteps, o.udpSeconds);
    const { samplesMs: _samples, ...rtt } = await pingRtt(p, o.pings, o.pingIntervalS);
    return { pairing: s.pair.label, round, tcp1, tcp4, udp, rtt, cpuSPerGB };
  } catch (err) {
    return { pairing: s.pair.label, round, error: err instanceof Error ? err.message : String(err) };
  }
}

const METRICS: readonly { name: string; unit: string; get: (r: RoundResult) => number | undefined }[] = [
  { name: "TCP 1 stream", unit: "Mbit/s", get: (r) => r.tcp1?.mbps },
  { name: "TCP 4 streams", unit: "Mbit/s", get: (r) => r.tcp4?.mbps },
  { name: "UDP loss-free", unit: "Mbit/s", get: (r) => r.udp?.bestReceivedMbps },
  { name: "ping median", unit: "ms", get: (r) => r.rtt?.medianMs },
  { name: "ping p99", unit: "ms", get: (r) => r.rtt?.p99Ms },
  { name: "ping loss", unit: "%", get: (r) => (r.rtt ? (100 * (r.rtt.sent - r.rtt.received)) / r.rtt.sent : undefined) },
];

function summariseRounds(rounds: readonly RoundResult[], pairs: readonly ImplPair[]): TunnelReport["summary"] {
  const out: TunnelReport["summary"] = {};
  for (const pair of pairs) {
    const mine = rounds.filter((r) => r.pairing === pair.label && !r.error);
    const s: Record<string, Summary> = {};
    for (const m of METRICS) s[`${m.name} (${m.unit})`] = summarise(mine.map((r) => m.get(r) ?? Number.NaN));
    const sides = new Set(mine.flatMap((r) => Object.keys(r.cpuSPerGB ?? {})));
    for (const side of sides) s[`CPU s/GB ${side}`] = summarise(mine.map((r) => r.cpuSPerGB?.[side] ?? Number.NaN));
    out[pair.label] = s;
  }
  return out;
}

function cell(s: Summary | undefined, ref: Summary | undefined, showRatio: boolean): string {
  if (!s || s.n === 0) return "-";
  const range = s.n > 1 ? ` [${fmt(s.min)}-${fmt(s.max)}]` : "";
  const ratio = showRatio && ref && ref.n > 0 && ref.median !== 0 ? ` x${(s.median / ref.median).toFixed(2)}` : "";
  return `${fmt(s.median)}${range}${ratio}`;
}

export function renderTables(r: Omit<TunnelReport, "tables">, pairs: readonly ImplPair[]): string {
  const ref = pairs.find((p) => p.label === "go-go")?.label;
  const parts: string[] = [];
  const header = ["metric (median [min-max] xratio vs go-go)", ...pairs.map((p) => p.label)];
  const rows = METRICS.map((m) => {
    const k = `${m.name} (${m.unit})`;
    return [k, ...pairs.map((p) => cell(r.summary[p.label]?.[k], ref ? r.summary[ref]?.[k] : undefined, p.label !== ref))];
  });
  parts.push(`Throughput and latency, ${r.options.rounds} round(s), ${r.options.seconds} s per TCP run, A -> B through the tunnel:\n${table(header, rows)}`);

  const drows: string[][] = [];
  for (const pair of pairs) {
    const idle = r.idle.find((i) => i.pairing === pair.label);
    const after = r.idleAfter.find((i) => i.pairing === pair.label);
    for (const side of ["A", "B"] as const) {
      const impl = side === "A" ? pair.a : pair.b;
      const k = `${side}:${impl}`;
      const cpu = r.summary[pair.label]?.[`CPU s/GB ${k}`];
      const refImpl = "wireguard-go";
      const refCpu = ref ? r.summary[ref]?.[`CPU s/GB ${side}:${refImpl}`] : undefined;
      const id = idle?.perDaemon[k];
      drows.push([
        `${pair.label} ${side} (${impl}${side === "A" ? ", sends" : ", receives"})`,
        cell(cpu, refCpu, pair.label !== ref),
        fmt(r.peakRssMiB[pair.label]?.[k] ?? Number.NaN),
        fmt(id?.rssMiB ?? Number.NaN),
        fmt(id?.cpuMs ?? Number.NaN),
        id ? String(id.ctxSwitches) : "-",
        side === "A" ? String(idle?.udpPackets ?? "-") : "",
        fmt(after?.perDaemon[k]?.rssMiB ?? Number.NaN),
        side === "A" ? String(after?.udpPackets ?? "-") : "",
      ]);
    }
  }
  const idleS = r.idle[0]?.seconds ?? 0;
  parts.push(
    `Per daemon (CPU over the TCP runs; idle = ${idleS} s, peers configured, no traffic yet, after a ${IDLE_SETTLE_MS / 1000} s settle;\n` +
      `after traffic = the same window again after the last round, when keepalives may still be due):\n` +
      table(
        ["daemon", "CPU s/GB", "peak RSS MiB", "idle RSS MiB", "idle CPU ms", "idle ctx switches", "idle UDP pkts (pair)", "RSS after traffic MiB", "UDP pkts after (pair)"],
        drows,
      ),
  );
  const errors = r.rounds.filter((x) => x.error);
  if (errors.length > 0) parts.push(`Errors:\n${errors.map((e) => `  round ${e.round} ${e.pairing}: ${e.error}`).join("\n")}`);
  return parts.join("\n\n");
}

export async function runTunnelBench(o: TunnelOptions): Promise<TunnelReport> {
  const impls = new Set<Impl>(o.pairs.flatMap((p) => [p.a, p.b]));
  requirePrerequisites([...impls], ["iperf3", "ss", "tcpdump"]);
  const startedAt = new Date().toISOString();
  const setups: Setup[] = [];
  try {
    for (const pair of o.pairs) {
      log(o.quiet, `setting up ${pair.label}`);
      setups.push(await setUp(pair));
    }
    log(o.quiet, `idle ${o.idleSeconds} s (all pairings at once)`);
    const idle = await measureIdle(setups, o.idleSeconds);
    for (const s of setups) {
      const warm = await s.p.a.ns.ping(s.p.b.tunnel4, { count: 3, intervalS: 0.2 });
      if (warm.received === 0) throw new Error(`${s.pair.label}: no ping through the tunnel:\n${warm.output}\n${s.lab.daemonLogs()}`);
    }
    const rounds: RoundResult[] = [];
    for (let round = 0; round < o.rounds; round++) {
      // Alternate: each round starts with the next pairing, so no pairing always runs first.
      const order = setups.map((_, i) => setups[(i + round) % setups.length] as Setup);
      for (const s of order) {
        log(o.quiet, `round ${round + 1}/${o.rounds}: ${s.pair.label}`);
        const r = await measureRound(s, round, o);
        if (r.error) log(o.quiet, `  error: ${r.error}`);
        else log(o.quiet, `  tcp1 ${fmt(r.tcp1?.mbps ?? 0)} tcp4 ${fmt(r.tcp4?.mbps ?? 0)} udp ${fmt(r.udp?.bestReceivedMbps ?? 0)} Mbit/s, rtt ${fmt(r.rtt?.medianMs ?? 0)} ms`);
        rounds.push(r);
      }
    }
    log(o.quiet, `idle ${o.idleSeconds} s after traffic (all pairings at once)`);
    const idleAfter = await measureIdle(setups, o.idleSeconds);
    const peakRssMiB: TunnelReport["peakRssMiB"] = {};
    for (const s of setups) {
      const m: Record<string, number> = {};
      for (const d of s.daemons) m[key(d)] = sampleProc(d.pid).hwmKiB / 1024;
      peakRssMiB[s.pair.label] = m;
    }
    const { pairs, quiet: _q, ...rest } = o;
    const partial = { kind: "tunnel" as const, startedAt, machine: machine(), options: { ...rest, pairs: pairs.map((p) => p.label) }, idle, idleAfter, rounds, peakRssMiB, summary: summariseRounds(rounds, pairs) };
    return { ...partial, tables: renderTables(partial, pairs) };
  } finally {
    for (const s of setups) await s.lab.close();
  }
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  const t0 = Date.now();
  const report = await runTunnelBench(o);
  process.stdout.write(`\n${report.tables}\n\nmachine: ${JSON.stringify(report.machine)}\n`);
  const path = writeResult("tunnel", report);
  process.stdout.write(`wrote ${path} (${((Date.now() - t0) / 1000).toFixed(0)} s)\n`);
  if (report.rounds.some((r) => r.error)) process.exitCode = 1;
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
