// Where a packet waits: syscall counts of both daemons (perf's syscall tracepoints, no sampling,
// so the daemons run at full speed) during an iperf3 TCP run and during a ping run, next to the
// TCP segments the kernel sent, and each daemon's CPU from /proc. Answers "how many packets per
// TUN read / UDP batch, how often does the loop wake, how many syscalls does one ping cost".
// Used for the diagnosis in docs/PERFORMANCE.md.
//
//   node --import tsx bench/tunnel/diagnose.ts [--pairs plugd-plugd,go-go] [--seconds 5] [--pings 200] [--ping-interval 0.01]
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { Lab, implsUnderTest, requirePrerequisites, vethPair, type Netns, type VethPair } from "../../test/support/netns.js";
import { argValue, table } from "../lib/stats.js";
import { daemonPid, pingRtt, sampleProc, startIperfServer, tcp } from "./measure.js";

const SYSCALLS = ["read", "readv", "write", "writev", "recvmmsg", "recvmsg", "sendmmsg", "sendmsg", "epoll_wait", "epoll_pwait", "epoll_pwait2", "futex"] as const;

interface Counted {
  readonly counts: Record<string, number>;
  readonly cpuS: number;
  /** Time the daemon's threads were runnable but waiting for a CPU (schedstat run_delay), s. */
  readonly waitS: number;
}

/** [on-CPU s, run-queue wait s] summed over every thread of `pid` (/proc/PID/task/TID/schedstat). */
function schedstat(pid: number): [number, number] {
  let run = 0;
  let wait = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const [r, w] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ").map(Number);
      run += (r ?? 0) / 1e9;
      wait += (w ?? 0) / 1e9;
    } catch {
      // thread exited meanwhile
    }
  }
  return [run, wait];
}

/** Runs `work` while perf counts the syscalls of `pid` (all threads). */
async function countSyscalls<T>(pids: readonly number[], work: () => Promise<T>): Promise<{ result: T; per: Counted[] }> {
  const perfs = pids.map((pid) => {
    const events = SYSCALLS.map((s) => `syscalls:sys_enter_${s}`).join(",");
    const child = spawn("perf", ["stat", "-x", ",", "-e", events, "-p", String(pid)], { stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const done = new Promise<string>((ok) => child.on("close", () => ok(err)));
    return { child, done, cpu0: sampleProc(pid).cpuS, wait0: schedstat(pid)[1], pid };
  });
  await new Promise((ok) => setTimeout(ok, 300)); // perf attaches
  const result = await work();
  const per: Counted[] = [];
  for (const p of perfs) {
    const cpuS = sampleProc(p.pid).cpuS - p.cpu0;
    const waitS = schedstat(p.pid)[1] - p.wait0;
    p.child.kill("SIGINT");
    const text = await p.done;
    const counts: Record<string, number> = {};
    for (const line of text.split("\n")) {
      const f = line.split(",");
      const ev = f[2]?.replace("syscalls:sys_enter_", "");
      if (ev !== undefined && f[0] !== undefined && /^\d+$/.test(f[0])) counts[ev] = Number(f[0]);
    }
    per.push({ counts, cpuS, waitS });
  }
  return { result, per };
}

async function snmp(ns: Netns, proto: "Tcp" | "Udp", field: string): Promise<number> {
  const out = (await ns.exec("cat", ["/proc/net/snmp"])).stdout.split("\n").filter((l) => l.startsWith(`${proto}:`));
  const names = out[0]?.split(/\s+/) ?? [];
  const values = out[1]?.split(/\s+/) ?? [];
  return Number(values[names.indexOf(field)] ?? Number.NaN);
}

function rows(label: string, p: VethPair, per: Counted[], units: number, unitName: string): string[][] {
  return per.map((c, i) => {
    const side = i === 0 ? "A" : "B";
    const impl = i === 0 ? p.pair.a : p.pair.b;
    const n = (s: string): number => c.counts[s] ?? 0;
    const wakes = n("epoll_wait") + n("epoll_pwait") + n("epoll_pwait2");
    const per1 = (x: number): string => (units > 0 ? (x / units).toFixed(2) : "-");
    return [
      `${label} ${side} (${impl})`,
      c.cpuS.toFixed(2),
      c.waitS.toFixed(2),
      per1(wakes),
      per1(n("read") + n("readv")),
      per1(n("write") + n("writev")),
      per1(n("recvmmsg") + n("recvmsg")),
      per1(n("sendmmsg") + n("sendmsg")),
      per1(n("futex")),
      `${units} ${unitName}`,
    ];
  });
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const seconds = Number(argValue(argv, "--seconds") ?? 5);
  const pings = Number(argValue(argv, "--pings") ?? 200);
  const pingInterval = Number(argValue(argv, "--ping-interval") ?? 0.01);
  const pairs = implsUnderTest(argValue(argv, "--pairs") ?? "plugd-plugd,go-go");
  /** `--record PREFIX`: also `perf record` each daemon during the TCP run into PREFIX-<pair>-<side>.data. */
  const record = argValue(argv, "--record");
  /** `--trace PREFIX`: `perf trace` B's syscalls during the ping run into PREFIX-<pair>-B.txt. */
  const trace = argValue(argv, "--trace");
  const recorders: Promise<void>[] = [];
  const stopRecorders: (() => void)[] = [];
  requirePrerequisites(["wireguard-go", "plugd"], ["iperf3", "ping", "perf"]);
  const out: string[][] = [];
  const notes: string[] = [];
  for (const pair of pairs) {
    // One lab per pairing: each uses the namespace names "a" and "b".
    const lab = await Lab.create();
    try {
      const p = await vethPair(lab, { pair });
      await startIperfServer(lab, p);
      await p.a.ns.ping(p.b.tunnel4, { count: 3 });
      const pids = [daemonPid(p.a.iface.daemon.pid), daemonPid(p.b.iface.daemon.pid)];
      if (record !== undefined) {
        // Where each daemon's CPU goes, kernel included (JIT frames show as one "[unknown]" / perf map
        // entry per function unless node runs with --perf-basic-prof).
        for (const [i, pid] of pids.entries()) {
          const file = `${record}-${pair.label}-${i === 0 ? "A" : "B"}.data`;
          const rec = spawn("perf", ["record", "-q", "-F", "999", "-o", file, "-p", String(pid)], { stdio: "ignore" });
          recorders.push(new Promise<void>((ok) => rec.on("close", () => ok())));
          stopRecorders.push(() => rec.kill("SIGINT"));
        }
      }
      const segs0 = await snmp(p.a.ns, "Tcp", "OutSegs");
      const t = await countSyscalls(pids, () => tcp(p, 1, seconds));
      const segs = (await snmp(p.a.ns, "Tcp", "OutSegs")) - segs0;
      for (const stop of stopRecorders.splice(0)) stop();
      await Promise.all(recorders.splice(0));
      out.push(...rows(`tcp ${pair.label}`, p, t.per, segs, "segs"));
      notes.push(`${pair.label}: TCP ${t.result.mbps.toFixed(0)} Mbit/s, ${t.result.retransmits} retransmits, ${segs} segments sent by A's TCP`);
      let tracer: Promise<void> | undefined;
      if (trace !== undefined) {
        // Timestamped syscalls of B (it answers the pings): what a ping waits for inside one daemon.
        const file = `${trace}-${pair.label}-B.txt`;
        const t = spawn("perf", ["trace", "-o", file, "-p", String(pids[1]), "-e", "epoll_wait,epoll_pwait,read,readv,write,writev,recvmmsg,sendmmsg,recvmsg,sendmsg,futex"], { stdio: "ignore" });
        tracer = new Promise<void>((ok) => t.on("close", () => ok()));
        stopRecorders.push(() => t.kill("SIGINT"));
        await new Promise((ok) => setTimeout(ok, 500));
      }
      const r = await countSyscalls(pids, () => pingRtt(p, pings, pingInterval));
      for (const stop of stopRecorders.splice(0)) stop();
      await tracer;
      out.push(...rows(`ping ${pair.label}`, p, r.per, r.result.received, "pings"));
      notes.push(`${pair.label}: ping median ${r.result.medianMs.toFixed(3)} ms, p99 ${r.result.p99Ms.toFixed(3)} ms`);
    } finally {
      await lab.close();
    }
  }
  process.stdout.write(`${table(["run / daemon", "CPU s", "runnable, waiting s", "wakeups/unit", "read/unit", "write(v)/unit", "recv(m)msg/unit", "send(m)msg/unit", "futex/unit", "units"], out)}\n`);
  for (const n of notes) process.stdout.write(`${n}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
