// One measurement each: iperf3 TCP/UDP, ping RTT, per-process CPU/RSS/context switches from /proc.
import { readdirSync, readFileSync } from "node:fs";
import { waitFor, type Lab, type VethPair } from "../../test/support/netns.js";
import { statCpuS } from "../lib/proc.js";
import { quantile } from "../lib/stats.js";

export const IPERF_PORT = 5201;
/** Inner UDP payload that fits the default 1420-byte tunnel MTU: 1420 - 20 (IPv4) - 8 (UDP). */
export const UDP_PAYLOAD = 1392;

// ---------------------------------------------------------------------------------------------
// /proc

export interface ProcSample {
  /** utime + stime of the whole process (all threads), seconds. */
  readonly cpuS: number;
  readonly rssKiB: number;
  readonly hwmKiB: number;
  /** voluntary + nonvoluntary context switches summed over every thread: a proxy for wakeups. */
  readonly ctxSwitches: number;
  readonly threads: number;
}

export function sampleProc(pid: number): ProcSample {
  const { cpuS } = statCpuS(`/proc/${pid}/stat`);
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+)`, "m").exec(status)?.[1] ?? Number.NaN);
  let ctx = 0;
  const tasks = readdirSync(`/proc/${pid}/task`);
  for (const tid of tasks) {
    try {
      const s = readFileSync(`/proc/${pid}/task/${tid}/status`, "utf8");
      ctx += Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(s)?.[1] ?? 0) + Number(/^nonvoluntary_ctxt_switches:\s+(\d+)/m.exec(s)?.[1] ?? 0);
    } catch {
      // thread exited meanwhile
    }
  }
  return { cpuS, rssKiB: field("VmRSS"), hwmKiB: field("VmHWM"), ctxSwitches: ctx, threads: tasks.length };
}

/** The daemon's own pid: `ip netns exec` and `env node` exec in place, but check the name anyway. */
export function daemonPid(pid: number | undefined): number {
  if (pid === undefined) throw new Error("daemon has no pid");
  const comm = readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  if (comm === "ip" || comm === "env" || comm === "sh") throw new Error(`pid ${pid} is still "${comm}", not the daemon`);
  return pid;
}

// ---------------------------------------------------------------------------------------------
// iperf3

interface IperfJson {
  readonly error?: string;
  readonly end?: {
    readonly sum_received?: { bytes: number; bits_per_second: number };
    readonly sum_sent?: { bytes: number; bits_per_second: number; retransmits?: number };
    readonly sum?: { bytes: number; bits_per_second: number; lost_packets?: number; packets?: number; lost_percent?: number };
  };
}

export interface TcpResult {
  readonly mbps: number;
  readonly bytes: number;
  readonly retransmits: number;
}

export interface UdpResult {
  readonly offeredMbps: number;
  readonly receivedMbps: number;
  readonly lostPercent: number;
  readonly packets: number;
}

/** A persistent `iperf3 -s` on B's tunnel address; killed with the lab. */
export async function startIperfServer(lab: Lab, p: VethPair): Promise<void> {
  lab.spawn(p.b.ns, "iperf3", ["-s", "-B", p.b.tunnel4, "-p", String(IPERF_PORT)]);
  await waitFor("iperf3 server", async () => {
    const ss = await p.b.ns.exec("ss", ["-Hltn", "sport", "=", `:${IPERF_PORT}`]);
    return ss.stdout.includes(String(IPERF_PORT)) ? true : undefined;
  });
}

async function iperf(p: VethPair, args: readonly string[], seconds: number): Promise<IperfJson> {
  const r = await p.a.ns.exec("iperf3", ["-c", p.b.tunnel4, "-p", String(IPERF_PORT), "-t", String(seconds), "-J", ...args], {
    allowFailure: true,
    timeoutMs: (seconds + 30) * 1000,
  });
  let json: IperfJson;
  try {
    json = JSON.parse(r.stdout) as IperfJson;
  } catch {
    throw new Error(`iperf3 ${args.join(" ")}: no JSON (exit ${r.code}): ${r.stderr.trim()}`);
  }
  if (json.error) throw new Error(`iperf3 ${args.join(" ")}: ${json.error}`);
  return json;
}

/** A -> B TCP, `streams` parallel streams. */
export async function tcp(p: VethPair, streams: number, seconds: number): Promise<TcpResult> {
  const j = await iperf(p, ["-P", String(streams)], seconds);
  const recv = j.end?.sum_received;
  if (!recv) throw new Error("iperf3 TCP: no sum_received");
  return { mbps: recv.bits_per_second / 1e6, bytes: recv.bytes, retransmits: j.end?.sum_sent?.retransmits ?? 0 };
}

/** A -> B UDP at `mbps` offered, UDP_PAYLOAD-byte datagrams. Loss is the server's count. */
export async function udp(p: VethPair, mbps: number, seconds: number): Promise<UdpResult> {
  const j = await iperf(p, ["-u", "-b", `${Math.round(mbps * 1000)}K`, "-l", String(UDP_PAYLOAD)], seconds);
  const recv = j.end?.sum_received;
  const sum = j.end?.sum;
  if (!sum) throw new Error("iperf3 UDP: no end.sum");
  const packets = sum.packets ?? 0;
  const lost = sum.lost_packets ?? 0;
  return {
    offeredMbps: mbps,
    receivedMbps: (recv?.bits_per_second ?? sum.bits_per_second) / 1e6,
    lostPercent: packets > 0 ? (100 * lost) / packets : 100,
    packets,
  };
}

export const MAX_LOSS_PERCENT = 0.1;

export interface UdpSearch {
  /** Highest offered rate with loss below MAX_LOSS_PERCENT, and what arrived at it (0 if none). */
  readonly bestMbps: number;
  readonly bestReceivedMbps: number;
  readonly probes: readonly UdpResult[];
}

/**
 * Highest loss-free rate: probe `startMbps`; while loss-free, double (up to 2 times); then
 * bisect between the best loss-free and the lowest lossy rate for the remaining steps.
 */
export async function udpSearch(p: VethPair, startMbps: number, steps: number, seconds: number): Promise<UdpSearch> {
  const probes: UdpResult[] = [];
  let good: UdpResult | undefined;
  let badMbps: number | undefined;
  let rate = Math.max(10, startMbps);
  let doublings = 0;
  for (let i = 0; i < steps; i++) {
    const r = await udp(p, rate, seconds);
    probes.push(r);
    if (r.lostPercent < MAX_LOSS_PERCENT) {
      if (!good || r.offeredMbps > good.offeredMbps) good = r;
    } else if (badMbps === undefined || rate < badMbps) badMbps = rate;
    if (badMbps === undefined && doublings < 2) {
      rate *= 2;
      doublings++;
    } else {
      const lo = good?.offeredMbps ?? 0;
      rate = ((badMbps ?? rate * 2) + lo) / 2;
    }
  }
  return { bestMbps: good?.offeredMbps ?? 0, bestReceivedMbps: good?.receivedMbps ?? 0, probes };
}

// ---------------------------------------------------------------------------------------------
// ping

export interface RttResult {
  readonly sent: number;
  readonly received: number;
  readonly medianMs: number;
  readonly p99Ms: number;
  readonly samplesMs: readonly number[];
}

/** `count` pings A -> B through the tunnel every `intervalS` (root allows < 0.2 s), per-reply RTTs. */
export async function pingRtt(p: VethPair, count: number, intervalS: number): Promise<RttResult> {
  const r = await p.a.ns.exec("ping", ["-n", "-c", String(count), "-i", String(intervalS), "-W", "1", p.b.tunnel4], {
    allowFailure: true,
    timeoutMs: (count * intervalS + 15) * 1000,
  });
  const samples = [...r.stdout.matchAll(/time=([\d.]+) ms/g)].map((m) => Number(m[1]));
  return { sent: count, received: samples.length, medianMs: quantile(samples, 0.5), p99Ms: quantile(samples, 0.99), samplesMs: samples };
}
