// coordd load benchmark (loopback only, bounded in count and time).
//   npm run bench:coordd            full run (about a minute)
//   npm run bench:coordd -- --quick  smaller counts, for a smoke test
//   npm run bench:coordd -- --phases push,relay   only some of: core, reg, push, relay (while iterating)
//   BENCH_COORDD_NODE_ARGS="--cpu-prof"   node flags for the coordd process; default: the ones in
//                                   infra/coordd.Dockerfile's ENTRYPOINT (as deployed); "" for V8's defaults
//   BENCH_PUSH_TRACE=FILE           write each push's send time and latency (to line the tail up with GC logs)
//   BENCH_PUSH_SETTLE_MS=5000       wait before the push phase (default 300 ms; lets coordd's GC settle
//                                   after the 100,000 registrations of the reg phase)
// coordd runs as its own process (its own core, as deployed); this process
// simulates the clients over UDP. The per-source abuse limits are lifted for
// the run, because every simulated client shares 127.0.0.1 and a real
// coordd would rightly treat this load as one flooding source.
import { spawn, type ChildProcess } from "node:child_process";
import { createSocket, type Socket } from "node:dgram";
import { randomBytes } from "node:crypto";
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { runCoreBench } from "./core-bench.js";
import { dockerfileNodeFlags } from "./deployed-flags.js";
import {
  clientLinkKeys,
  decodeCookieReply,
  encodeRegister,
  encodeRelayFrame,
  generateKeyPair,
  keyFromBase64,
  LinkClient,
  MessageType,
  type LinkKeys,
  type Push,
} from "@plug/protocol";

const quick = process.argv.includes("--quick");
const N_REG = quick ? 20_000 : 100_000;
const RIDS_PER_SESSION = 4;
const rateArg = process.argv.indexOf("--push-rate");
const PUSH_RATE = rateArg > 0 ? Number(process.argv[rateArg + 1]) : 5_000;
const PUSH_PAIRS = quick ? 5_000 : 10_000;
const RELAY_MAX_PACKETS = quick ? 100_000 : 500_000;
const RELAY_MAX_MS = quick ? 2_000 : 5_000;
const PHASE_TIMEOUT_MS = 60_000;
const phasesArg = process.argv.indexOf("--phases");
const PHASES = new Set((phasesArg > 0 ? String(process.argv[phasesArg + 1]) : "core,reg,push,relay").split(","));
const SOCKETS = 8;
const WINDOW = 1024;

const root = new URL("../../../", import.meta.url).pathname;
const DEPLOYED_NODE_ARGS = dockerfileNodeFlags(readFileSync(join(root, "infra/coordd.Dockerfile"), "utf8")).join(" ");
// BENCH_COORDD_BIN=/other/checkout/apps/coordd/bin/coordd.js measures another build of coordd with this
// load generator (before/after comparisons in one sitting); the core-only rows are always this tree's.
const bin = process.env.BENCH_COORDD_BIN ?? join(root, "apps/coordd/bin/coordd.js");

interface Server {
  proc: ChildProcess;
  udpPort: number;
  httpPort: number;
  publicKey: Uint8Array;
  dir: string;
}

async function startServer(): Promise<Server> {
  const dir = mkdtempSync(join(tmpdir(), "pcd-bench-"));
  const big = "1000000000";
  // BENCH_COORDD_NODE_ARGS="--cpu-prof" profiles the server side; BENCH_COORDD_LOG=FILE keeps its stdout (e.g. --trace-gc).
  // Measured as deployed: the flags of infra/coordd.Dockerfile's ENTRYPOINT (the systemd unit is tested to match).
  const nodeArgs = (process.env.BENCH_COORDD_NODE_ARGS ?? DEPLOYED_NODE_ARGS).split(" ").filter((a) => a !== "");
  const proc = spawn(process.execPath, [...nodeArgs, bin, "--bind", "127.0.0.1", "--http-host", "127.0.0.1", "--udp-port", "0", "--alt-udp-port", "0", "--http-port", "0",
    "--key-file", join(dir, "key"), "--rate-pps", big, "--rate-burst", big, "--max-rids-per-address", big, "--max-sessions", big,
    "--relay-pair-bps", "10000000000", "--relay-total-bps", "10000000000"], { stdio: ["ignore", "pipe", "inherit"] });
  let out: string | null = "";
  const started = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error("coordd did not start")), 15_000);
    const log = process.env.BENCH_COORDD_LOG;
    proc.stdout?.on("data", (d: Buffer) => {
      if (log !== undefined) appendFileSync(log, d);
      if (out === null) return;
      out += d.toString();
      for (const line of out.split("\n")) {
        if (!line.includes("coordd listening")) continue;
        clearTimeout(t);
        out = null;
        resolve(JSON.parse(line) as Record<string, unknown>);
        return;
      }
    });
  });
  proc.stdout?.resume();
  return { proc, dir, udpPort: Number(started.udpPort), httpPort: Number(started.httpPort), publicKey: keyFromBase64(String(started.publicKey)) };
}

async function metric(s: Server, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${s.httpPort}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(name + " "));
  return Number(line?.split(" ")[1] ?? NaN);
}

/** A client socket; connected to `server` when given (no per-send address handling, as a real client's socket to coordd). */
async function openSocket(onMessage: (m: Buffer) => void, server?: number): Promise<Socket> {
  const s = createSocket({ type: "udp4", recvBufferSize: 8 << 20, sendBufferSize: 8 << 20 });
  await new Promise<void>((r) => s.bind(0, "127.0.0.1", r));
  if (server !== undefined) await new Promise<void>((r) => s.connect(server, "127.0.0.1", r));
  s.on("message", onMessage);
  return s;
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Sends datagrams keeping at most WINDOW unanswered; returns elapsed ms and how many were answered. */
async function blast(items: { sock: Socket; bytes: Uint8Array }[], answered: () => number): Promise<{ ms: number; answered: number }> {
  const base = answered();
  const t0 = performance.now();
  let sent = 0;
  let lastProgress = t0;
  let lastAnswered = base;
  while (answered() - base < items.length) {
    while (sent < items.length && sent - (answered() - base) < WINDOW) {
      const it = items[sent++];
      if (it) it.sock.send(it.bytes);
    }
    await tick();
    const now = performance.now();
    if (answered() !== lastAnswered) {
      lastAnswered = answered();
      lastProgress = now;
    } else if (now - lastProgress > 1000) {
      if (sent >= items.length) break;
      // Lost datagrams: the rest of the window will never be answered.
      if (sent - (answered() - base) >= WINDOW) break;
      lastProgress = now;
    }
    if (now - t0 > PHASE_TIMEOUT_MS) break;
  }
  return { ms: performance.now() - t0, answered: answered() - base };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

interface Session {
  keys: LinkKeys;
  sock: number;
  counter: bigint;
}

async function main(): Promise<void> {
  const results: Record<string, number> = PHASES.has("core") ? { ...runCoreBench(quick ? 20_000 : 100_000, RIDS_PER_SESSION) } : {};
  const server = await startServer();
  const socks: Socket[] = [];
  let acks = 0;
  let cookieWaiters: ((c: Uint8Array) => void)[] = [];
  const onMessage = (m: Buffer): void => {
    if (m[0] === MessageType.RegisterAck) acks++;
    else if (m[0] === MessageType.CookieReply) cookieWaiters.shift()?.(decodeCookieReply(m).cookie);
  };
  try {
    for (let i = 0; i < SOCKETS; i++) socks.push(await openSocket(onMessage, server.udpPort));
    // One cookie per source address, fetched the way a client does: a REGISTER without one.
    const cookies: Uint8Array[] = [];
    for (const s of socks) {
      const got = new Promise<Uint8Array>((r) => cookieWaiters.push(r));
      s.send(new LinkClient(server.publicKey).register({ rid: randomBytes(16), slot: randomBytes(16), flags: 0, sealed: new Uint8Array(0) }));
      cookies.push(await got);
    }
    cookieWaiters = [];

    const sealed = randomBytes(200); // a typical sealed list: ~8 candidates
    if (PHASES.has("reg")) await registrations();
    async function registrations(): Promise<void> {
    // ---- registrations: new sessions (one X25519 each), 4 rids per session ----
    const nSessions = N_REG / RIDS_PER_SESSION;
    const sessions: Session[] = [];
    for (let i = 0; i < nSessions; i++) {
      const e = generateKeyPair();
      sessions.push({ keys: clientLinkKeys(e.privateKey, e.publicKey, server.publicKey), sock: i % SOCKETS, counter: 0n });
    }
    const bodies = Array.from({ length: N_REG }, () => ({ rid: randomBytes(16), slot: randomBytes(16), flags: 0, sealed }));
    const build = (): { sock: Socket; bytes: Uint8Array }[] =>
      bodies.map((body, i) => {
        const s = sessions[Math.floor(i / RIDS_PER_SESSION)] as Session;
        return { sock: socks[s.sock] as Socket, bytes: encodeRegister(s.keys, cookies[s.sock] as Uint8Array, s.counter++, body) };
      });
    const rssBefore = await metric(server, "process_resident_memory_bytes");
    const first = build();
    // coordd's own CPU time per phase: on a shared machine, work per CPU-second is what "one core" can do.
    let cpu0 = await metric(server, "process_cpu_seconds_total");
    const r1 = await blast(first, () => acks);
    results.registrations_per_coordd_cpu_s_new_sessions = Math.round(r1.answered / ((await metric(server, "process_cpu_seconds_total")) - cpu0));
    results.registrations = r1.answered;
    results.registrations_per_s_new_sessions = Math.round((r1.answered / r1.ms) * 1000);
    await new Promise((r) => setTimeout(r, 500));
    const rssAfter = await metric(server, "process_resident_memory_bytes");
    results.rss_mb_with_registrations = Math.round(rssAfter / 1e6);
    results.rss_mb_per_10k_registrations = Math.round(((rssAfter - rssBefore) / (r1.answered / 10_000)) / 1e5) / 10;
    results.coordd_rids = await metric(server, "coordd_rids");

    // ---- the steady state: refreshes on existing sessions (symmetric crypto only) ----
    const refresh = build();
    cpu0 = await metric(server, "process_cpu_seconds_total");
    const r2 = await blast(refresh, () => acks);
    results.registrations_per_coordd_cpu_s_refresh = Math.round(r2.answered / ((await metric(server, "process_cpu_seconds_total")) - cpu0));
    results.registrations_per_s_refresh = Math.round((r2.answered / r2.ms) * 1000);
    }

    if (PHASES.has("push")) await pushLatency();
    async function pushLatency(): Promise<void> {
    // ---- push latency at PUSH_RATE registrations per second ----
    const firstSide: { sock: Socket; bytes: Uint8Array }[] = [];
    const warmup: { sock: Socket; bytes: Uint8Array }[] = [];
    const secondSide: { sock: Socket; bytes: Uint8Array; tag: string }[] = [];
    const sentAt = new Map<string, number>();
    const latencies: number[] = [];
    const pushSocks: Socket[] = [];
    // BENCH_PUSH_TRACE=FILE: one line per push, "send time (ms since the epoch) latency (ms)", to line
    // the tail up against GC pauses and event-loop stalls logged by either process.
    const traceFile = process.env.BENCH_PUSH_TRACE;
    const trace: string[] | undefined = traceFile === undefined ? undefined : [];
    for (let i = 0; i < SOCKETS; i++) {
      pushSocks.push(
        await openSocket((m) => {
          if (m[0] === MessageType.RegisterAck) acks++;
          else if (m[0] === MessageType.Push) {
            const t = sentAt.get(m.toString("latin1", 4, 12));
            if (t !== undefined) {
              latencies.push(performance.now() - t);
              trace?.push(`${(performance.timeOrigin + t).toFixed(2)} ${(performance.now() - t).toFixed(3)}`);
            }
          } else if (m[0] === MessageType.CookieReply) cookieWaiters.shift()?.(decodeCookieReply(m).cookie);
        }, server.udpPort),
      );
    }
    const pushCookies: Uint8Array[] = [];
    for (const s of pushSocks) {
      const got = new Promise<Uint8Array>((r) => cookieWaiters.push(r));
      s.send(new LinkClient(server.publicKey).register({ rid: randomBytes(16), slot: randomBytes(16), flags: 0, sealed: new Uint8Array(0) }));
      pushCookies.push(await got);
    }
    for (let i = 0; i < PUSH_PAIRS; i++) {
      const rid = randomBytes(16);
      const a = generateKeyPair();
      const b = generateKeyPair();
      const ka = clientLinkKeys(a.privateKey, a.publicKey, server.publicKey);
      const kb = clientLinkKeys(b.privateKey, b.publicKey, server.publicKey);
      const si = i % SOCKETS;
      firstSide.push({ sock: pushSocks[si] as Socket, bytes: encodeRegister(ka, pushCookies[si] as Uint8Array, 0n, { rid, slot: randomBytes(16), flags: 0, sealed }) });
      // The second side's session already exists (it registered another rid before), as a running
      // plugd's does: the timed registration is a new pairing, not a new client.
      warmup.push({ sock: socks[si] as Socket, bytes: encodeRegister(kb, cookies[si] as Uint8Array, 0n, { rid: randomBytes(16), slot: randomBytes(16), flags: 0, sealed }) });
      secondSide.push({ sock: socks[si] as Socket, bytes: encodeRegister(kb, cookies[si] as Uint8Array, 1n, { rid, slot: randomBytes(16), flags: 0, sealed }), tag: Buffer.from(ka.tag).toString("latin1") });
    }
    await blast(firstSide, () => acks);
    await blast(warmup, () => acks);
    await new Promise((r) => setTimeout(r, Number(process.env.BENCH_PUSH_SETTLE_MS ?? 300)));
    const cpu0 = await metric(server, "process_cpu_seconds_total");
    const benchCpu0 = process.cpuUsage();
    // Latencies are taken in this process: its own event-loop stalls (GC of the prepared messages, the
    // pacing timer) add to them. Its loop delay is reported next to them so a reader can tell.
    const loopDelay = monitorEventLoopDelay({ resolution: 1 });
    loopDelay.enable();
    const t0 = performance.now();
    let next = 0;
    while (next < secondSide.length && performance.now() - t0 < PHASE_TIMEOUT_MS) {
      const due = Math.min(secondSide.length, Math.floor(((performance.now() - t0) * PUSH_RATE) / 1000));
      while (next < due) {
        const it = secondSide[next++] as { sock: Socket; bytes: Uint8Array; tag: string };
        sentAt.set(it.tag, performance.now());
        it.sock.send(it.bytes);
      }
      await new Promise((r) => setTimeout(r, 1));
    }
    const paced = performance.now() - t0;
    await new Promise((r) => setTimeout(r, 500));
    // Share of one core each side used while pacing: tells whether coordd or the load generator saturates.
    const pacedWall = performance.now() - t0;
    results.push_phase_coordd_cpu_share = Math.round((((await metric(server, "process_cpu_seconds_total")) - cpu0) * 1000 / pacedWall) * 100) / 100;
    const bc = process.cpuUsage(benchCpu0);
    results.push_phase_loadgen_cpu_share = Math.round(((bc.user + bc.system) / 1000 / pacedWall) * 100) / 100;
    loopDelay.disable();
    results.push_loadgen_loop_delay_p99_ms = Math.round((loopDelay.percentile(99) / 1e6) * 100) / 100;
    results.push_loadgen_loop_delay_max_ms = Math.round((loopDelay.max / 1e6) * 100) / 100;
    latencies.sort((x, y) => x - y);
    results.push_offered_per_s = Math.round((secondSide.length / paced) * 1000);
    results.pushes_measured = latencies.length;
    results.push_p50_ms = Math.round(percentile(latencies, 50) * 100) / 100;
    results.push_p99_ms = Math.round(percentile(latencies, 99) * 100) / 100;
    for (const s of pushSocks) s.close();
    if (traceFile !== undefined) writeFileSync(traceFile, (trace ?? []).join("\n") + "\n");
    }

    // ---- relay: packets per second and added latency ----
    if (PHASES.has("relay")) Object.assign(results, await relayBench(server));
    results.rss_mb_end = Math.round((await metric(server, "process_resident_memory_bytes")) / 1e6);
    results.drops_rate_limited = await metric(server, 'coordd_dropped_total{reason="rate_limited"}');
  } finally {
    for (const s of socks) s.close();
    server.proc.kill("SIGTERM");
    rmSync(server.dir, { recursive: true, force: true });
  }
  report(results);
}

/** Sends with `send` keeping at most WINDOW datagrams in flight until RELAY_MAX_PACKETS or RELAY_MAX_MS. */
async function pump(send: () => void, received: () => number): Promise<{ ms: number }> {
  const base = received();
  const t0 = performance.now();
  let sent = 0;
  let stall = performance.now();
  let last = base;
  while (sent < RELAY_MAX_PACKETS && performance.now() - t0 < RELAY_MAX_MS) {
    while (sent - (received() - base) < WINDOW && sent < RELAY_MAX_PACKETS) {
      send();
      sent++;
    }
    await tick();
    if (received() !== last) {
      last = received();
      stall = performance.now();
    } else if (performance.now() - stall > 200) {
      sent = received() - base; // lost in a socket buffer: reopen the window
      stall = performance.now();
    }
  }
  const ms = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 200));
  return { ms };
}

/** User+system CPU seconds of a process so far (Linux /proc; clock ticks are 1/100 s). */
function procCpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /, "").split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * The same pump through a bare forwarder, in this run: reference-forwarder.mjs
 * (node:dgram, what coordd used before) or reference-forwarder-batch.mjs
 * (BatchUdpSocket, what coordd uses now). `prefix` names the result fields.
 */
async function referenceForwarder(frame: Uint8Array, script: string, prefix: string): Promise<Record<string, number>> {
  let received = 0;
  const sink = await openSocket(() => received++);
  const proc = spawn(process.execPath, [join(root, "apps/coordd/bench", script), String(sink.address().port)], { stdio: ["ignore", "pipe", "inherit"] });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error("reference forwarder did not start")), 10_000);
      proc.stdout?.once("data", (d: Buffer) => {
        clearTimeout(t);
        resolve(Number(d.toString().trim()));
      });
    });
    const src = await openSocket(() => {}, port);
    try {
      const pid = proc.pid ?? 0;
      const cpu0 = procCpuSeconds(pid);
      const { ms } = await pump(() => src.send(frame), () => received);
      const cpu = procCpuSeconds(pid) - cpu0;
      return {
        [`${prefix}_packets_per_s`]: Math.round((received / ms) * 1000),
        [`${prefix}_packets_per_cpu_s`]: Math.round(received / cpu),
      };
    } finally {
      src.close();
    }
  } finally {
    proc.kill("SIGTERM");
    sink.close();
  }
}

async function relayBench(server: Server): Promise<Record<string, number>> {
  let received = 0;
  let echo: ((m: Buffer) => void) | undefined;
  let onA: ((m: Buffer) => void) | undefined;
  const la = new LinkClient(server.publicKey);
  const lb = new LinkClient(server.publicKey);
  let channel: Uint8Array | undefined;
  const a = await openSocket((m) => {
    if (onA) return onA(m);
    for (const ev of la.receive(m)) {
      if (ev.kind === "send") a.send(ev.bytes);
      else if (ev.message.kind === "push") channel = (ev.message as Push).channel;
    }
  }, server.udpPort);
  const b = await openSocket((m) => {
    if (m[0] === MessageType.Relay) {
      received++;
      echo?.(m);
      return;
    }
    for (const ev of lb.receive(m)) if (ev.kind === "send") b.send(ev.bytes);
  }, server.udpPort);
  // Two plain sockets for the direct (no relay) baseline.
  let onC: ((m: Buffer) => void) | undefined;
  const c = await openSocket((m) => onC?.(m));
  const d = await openSocket((m) => d.send(m, c.address().port, "127.0.0.1"));
  try {
    const rid = randomBytes(16);
    a.send(la.register({ rid, slot: randomBytes(16), flags: 0, sealed: randomBytes(100) }));
    await new Promise((r) => setTimeout(r, 100));
    b.send(lb.register({ rid, slot: randomBytes(16), flags: 0, sealed: randomBytes(100) }));
    const deadline = Date.now() + 5000;
    while (channel === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    if (channel === undefined) throw new Error("relay pair did not form");
    // WireGuard transport packets are 32 bytes of header and tag plus the payload; 128 bytes is a small data packet.
    const frame = encodeRelayFrame(channel, randomBytes(128));
    // coordd's CPU over the pump alone, as the reference's below.
    const cpu0 = await metric(server, "process_cpu_seconds_total");
    const { ms } = await pump(() => a.send(frame), () => received);
    const pumped = received;
    const relayCpu = (await metric(server, "process_cpu_seconds_total")) - cpu0;
    const pps = Math.round((received / ms) * 1000);

    // Added latency: ping-pong through the relay against direct loopback ping-pong.
    const rounds = 2000;
    const rtt = async (send: () => void, arm: (done: () => void) => void): Promise<number[]> => {
      const out: number[] = [];
      for (let i = 0; i < rounds; i++) {
        const t = performance.now();
        await new Promise<void>((resolve) => {
          const to = setTimeout(resolve, 100);
          arm(() => {
            clearTimeout(to);
            out.push(performance.now() - t);
            resolve();
          });
          send();
        });
      }
      return out.sort((x, y) => x - y);
    };
    echo = (m) => b.send(m);
    const viaRelay = await rtt(
      () => a.send(frame),
      (done) => (onA = (m) => m[0] === MessageType.Relay && done()),
    );
    const dPort = d.address().port;
    const direct = await rtt(
      () => c.send(frame, dPort, "127.0.0.1"),
      (done) => (onC = () => done()),
    );
    const added = (percentile(viaRelay, 50) - percentile(direct, 50)) / 2;
    const added99 = (percentile(viaRelay, 99) - percentile(direct, 99)) / 2;
    const reference = await referenceForwarder(frame, "reference-forwarder.mjs", "reference_forwarder");
    const batchReference = await referenceForwarder(frame, "reference-forwarder-batch.mjs", "batch_reference_forwarder");
    return {
      ...reference,
      ...batchReference,
      relay_packets_total: pumped,
      relay_packets_per_coordd_cpu_s: Math.round(pumped / relayCpu),
      relay_packets_per_s: pps,
      relay_frame_bytes: frame.length,
      relay_added_latency_p50_ms: Math.round(added * 1000) / 1000,
      relay_added_latency_p99_ms: Math.round(added99 * 1000) / 1000,
    };
  } finally {
    for (const s of [a, b, c, d]) s.close();
  }
}

function report(r: Record<string, number>): void {
  const rows: [string, string, string][] = [
    ["core only: registrations/s, new session", String(r.core_registrations_per_s_new_sessions), ">= 20000"],
    ["core only: registrations/s, refresh", String(r.core_registrations_per_s_refresh), ">= 20000"],
    ["core only: heap per 10,000 registrations (MB)", String(r.core_heap_mb_per_10k_registrations), "<= 50"],
    ["core only: relay frames/s", String(r.core_relay_frames_per_s), ">= 100000"],
    ["UDP: registrations/s, new session (X25519 each)", String(r.registrations_per_s_new_sessions), ">= 20000"],
    ["UDP: registrations/s, refresh (existing session)", String(r.registrations_per_s_refresh), ">= 20000"],
    ["UDP: registrations per coordd CPU-second, new / refresh", `${r.registrations_per_coordd_cpu_s_new_sessions} / ${r.registrations_per_coordd_cpu_s_refresh}`, ">= 20000"],
    [`RSS with ${r.registrations} registrations (MB)`, String(r.rss_mb_with_registrations), "100k in <= 500"],
    ["RSS per 10,000 registrations (MB)", String(r.rss_mb_per_10k_registrations), "<= 50"],
    [`push p50 / p99 at ${r.push_offered_per_s} reg/s (ms)`, `${r.push_p50_ms} / ${r.push_p99_ms}`, "p99 <= 10"],
    ["  load generator's own event-loop delay p99 / max in that phase (ms)", `${r.push_loadgen_loop_delay_p99_ms} / ${r.push_loadgen_loop_delay_max_ms}`, "-"],
    ["UDP: relay packets/s (one pair, " + r.relay_frame_bytes + "-byte frames)", String(r.relay_packets_per_s), ">= 100000"],
    ["UDP: relay packets per coordd CPU-second", String(r.relay_packets_per_coordd_cpu_s), ">= 100000"],
    ["reference: bare node:dgram forwarder packets/s / per CPU-second", `${r.reference_forwarder_packets_per_s} / ${r.reference_forwarder_packets_per_cpu_s}`, "(ceiling)"],
    ["relay per CPU-second / reference per CPU-second", String(Math.round(((r.relay_packets_per_coordd_cpu_s ?? 0) / (r.reference_forwarder_packets_per_cpu_s ?? 1)) * 100) / 100), "-"],
    ["reference: bare BatchUdpSocket forwarder packets/s / per CPU-second", `${r.batch_reference_forwarder_packets_per_s} / ${r.batch_reference_forwarder_packets_per_cpu_s}`, "(ceiling)"],
    ["relay per CPU-second / BatchUdpSocket reference per CPU-second", String(Math.round(((r.relay_packets_per_coordd_cpu_s ?? 0) / (r.batch_reference_forwarder_packets_per_cpu_s ?? 1)) * 100) / 100), "-"],
    ["relay added latency p50 / p99 (ms, one traversal)", `${r.relay_added_latency_p50_ms} / ${r.relay_added_latency_p99_ms}`, "-"],
  ];
  const w0 = Math.max(...rows.map((x) => x[0].length));
  const w1 = Math.max(...rows.map((x) => x[1].length));
  const lines = [`${"metric".padEnd(w0)}  ${"value".padStart(w1)}  target`, `${"-".repeat(w0)}  ${"-".repeat(w1)}  ------`];
  for (const [a, b, c] of rows) lines.push(`${a.padEnd(w0)}  ${b.padStart(w1)}  ${c}`);
  const load = loadavg().map((x) => x.toFixed(1)).join(" ");
  lines.push("", `${cpus().length} CPUs, load average ${load} (shared machine: the load generator and coordd compete for them)`);
  lines.push(`coordd's node flags: ${process.env.BENCH_COORDD_NODE_ARGS ?? DEPLOYED_NODE_ARGS} (BENCH_COORDD_NODE_ARGS; default as infra/ deploys it)`);
  process.stdout.write(lines.join("\n") + "\n\n" + JSON.stringify(r, null, 2) + "\n");
  const outDir = join(root, "bench-results");
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, "coordd.json"), JSON.stringify({ date: new Date().toISOString(), quick, results: r }, null, 2) + "\n");
}

main().catch((e: unknown) => {
  process.stderr.write(`bench-coordd: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
