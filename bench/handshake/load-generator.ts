// Handshake load generator for the daemon rows of bench:handshake (bench/handshake/daemons.ts).
// Runs inside the benchmark's namespace (`ip netns exec NS node --import tsx THIS`), because Node
// cannot setns(); it is driven by JSON lines on stdin and answers with JSON lines on stdout.
//
// Many initiators, one responder daemon: each initiator peer has its own static key and its own
// UDP source address on the namespace's loopback (127.10.x.y), so neither the 20 ms per-peer
// initiation limit nor a per-source-IP rate limit under load (20/s) is what gets measured. The
// initiations are computed before the timed phase with the real @plug/wireguard Noise code
// (increasing TAI64N timestamps per peer), so the generator's own work while timing is only
// mac1/mac2 and the sockets. The loop is closed: at most `window` initiations are in flight and
// each response (or cookie reply, or a loss after LOSS_MS) lets the next one go; with the window
// well under wireguard-go's "under load" queue depth (128) wireguard-go never asks for cookies.
// plugd counts arrivals instead (over 100/s is load), so the warm-up passes collect one cookie
// per source and every later message carries a valid mac2, which plugd checks and then does
// the full handshake.
//
// Protocol (stdin -> stdout):
//   {op:"setup", responderPublic, peers}       -> {ev:"ready", publics:[hex]}
//   {op:"prepare", count}                      -> {ev:"prepared", ms}     count initiations, round robin
//   {op:"run", port, pid, warmPasses, window}  -> {ev:"result", ...RunResult}
import { randomBytes } from "node:crypto";
import { createSocket, type Socket } from "node:dgram";
import { readdirSync } from "node:fs";
import { createInterface } from "node:readline";
import { clampPrivateKey, CookieGenerator, createInitiation, dh, encodeTai64n, generateKeypair, Handshake } from "./wg.js";
import { decodeCookieReply, MessageType } from "../../packages/wireguard/src/noise/messages.js";
import { statCpuS } from "../lib/proc.js";

/** An initiation not answered within this time is counted lost and frees its window slot. */
const LOSS_MS = 500;

export interface RunResult {
  readonly sent: number;
  readonly responses: number;
  readonly cookieReplies: number;
  readonly lost: number;
  readonly wallMs: number;
  /** utime + stime of the daemon process (all threads) over the timed phase, seconds. */
  readonly daemonCpuS: number;
  /** CPU seconds over the timed phase per thread name (threads that come and go are missed). */
  readonly daemonThreads: Record<string, number>;
  /** This generator's own CPU over the timed phase, seconds. */
  readonly generatorCpuS: number;
  readonly warm: { responses: number; cookieReplies: number; lost: number };
}

interface Peer {
  readonly publicKey: Uint8Array;
  readonly staticShared: Uint8Array;
  readonly socket: Socket;
}

const out = (o: object): void => void process.stdout.write(`${JSON.stringify(o)}\n`);
const hexOf = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const random = (n: number): Uint8Array => randomBytes(n);

let responderPublic = new Uint8Array(32);
let peers: Peer[] = [];
let messages: Uint8Array[] = [];
/** Seconds part of the next TAI64N timestamp; only grows, so every peer's timestamps increase. */
let tsSeconds = BigInt(Math.floor(Date.now() / 1000)) + 0x4000000000000000n;
let nextSender = 1;
/** Per target port, one cookie state per source (a cookie is bound to the source address). */
const cookieStates = new Map<number, CookieGenerator[]>();

function sourceAddress(k: number): string {
  return `127.10.${(k >> 8) & 255}.${k & 255}`;
}

async function setup(pubHex: string, count: number): Promise<void> {
  responderPublic = new Uint8Array(Buffer.from(pubHex, "hex"));
  peers = [];
  for (let k = 0; k < count; k++) {
    const kp = generateKeypair(random);
    const staticShared = dh(kp.privateKey, responderPublic);
    if (staticShared === null) throw new Error("zero static DH");
    const socket = createSocket("udp4");
    await new Promise<void>((res, rej) => {
      socket.once("error", rej);
      socket.bind({ address: sourceAddress(k), port: 0 }, () => res());
    });
    peers.push({ publicKey: kp.publicKey, staticShared, socket });
  }
  out({ ev: "ready", publics: peers.map((p) => hexOf(p.publicKey)) });
}

function prepare(count: number): void {
  const t0 = performance.now();
  messages = [];
  for (let i = 0; i < count; i++) {
    const peer = peers[i % peers.length] as Peer;
    // One second per round over the peers: strictly increasing per peer.
    if (i % peers.length === 0) tsSeconds++;
    const msg = createInitiation(new Handshake(), {
      localPublic: peer.publicKey,
      remotePublic: responderPublic,
      staticShared: peer.staticShared,
      ephemeralPrivate: clampPrivateKey(random(32)),
      timestamp: encodeTai64n(tsSeconds, 0),
      senderIndex: nextSender++ >>> 0,
    });
    if (msg === null) throw new Error("createInitiation failed");
    messages.push(msg);
  }
  out({ ev: "prepared", ms: Math.round(performance.now() - t0) });
}

/** The whole process (all threads) and each thread by name (threads of one name summed). */
function processCpuS(pid: number): { total: number; threads: Map<string, number> } {
  const threads = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const t = statCpuS(`/proc/${pid}/task/${tid}/stat`);
      threads.set(t.comm, (threads.get(t.comm) ?? 0) + t.cpuS);
    } catch {
      // the thread ended between readdir and read
    }
  }
  return { total: statCpuS(`/proc/${pid}/stat`).cpuS, threads };
}

interface Phase {
  responses: number;
  cookieReplies: number;
  lost: number;
  sent: number;
}

/** Sends messages[from, to) with at most `window` in flight; resolves when all are answered or lost. */
function closedLoop(port: number, from: number, to: number, window: number): Promise<Phase> {
  const cookies = cookieStates.get(port) ?? peers.map(() => new CookieGenerator(responderPublic));
  cookieStates.set(port, cookies);
  const phase: Phase = { responses: 0, cookieReplies: 0, lost: 0, sent: 0 };
  /** sender index -> [send time, peer number] */
  const inflight = new Map<number, [number, number]>();
  let next = from;
  return new Promise((resolve) => {
    const pump = (): void => {
      while (inflight.size < window && next < to) {
        const msg = messages[next] as Uint8Array;
        const k = next % peers.length;
        next++;
        const now = performance.now();
        (cookies[k] as CookieGenerator).addMacs(msg, now);
        inflight.set(new DataView(msg.buffer, msg.byteOffset).getUint32(4, true), [now, k]);
        (peers[k] as Peer).socket.send(msg, port, "127.0.0.1");
        phase.sent++;
      }
      if (inflight.size === 0 && next >= to) finish();
    };
    const onMessage = (data: Buffer): void => {
      if (data.length < 8) return;
      const type = data[0];
      const receiver = data.readUInt32LE(type === MessageType.Response ? 8 : 4);
      const entry = inflight.get(receiver);
      if (entry === undefined) return;
      if (type === MessageType.Response) phase.responses++;
      else if (type === MessageType.CookieReply) {
        // Counted even if it does not open, so every initiation is accounted for exactly once.
        phase.cookieReplies++;
        const reply = decodeCookieReply(new Uint8Array(data.buffer, data.byteOffset, data.length));
        if (reply !== null) (cookies[entry[1]] as CookieGenerator).consumeReply(reply, performance.now());
      } else return;
      inflight.delete(receiver);
      pump();
    };
    const sweep = setInterval(() => {
      const old = performance.now() - LOSS_MS;
      for (const [index, [at]] of inflight) {
        if (at < old) {
          inflight.delete(index);
          phase.lost++;
        }
      }
      pump();
    }, 50);
    const finish = (): void => {
      clearInterval(sweep);
      for (const p of peers) p.socket.off("message", onMessage);
      resolve(phase);
    };
    for (const p of peers) p.socket.on("message", onMessage);
    pump();
  });
}

async function runOnce(port: number, pid: number, warmPasses: number, window: number): Promise<void> {
  const warmCount = Math.min(messages.length, warmPasses * peers.length);
  const warm = await closedLoop(port, 0, warmCount, window);
  const wall0 = performance.now();
  const cpu0 = processCpuS(pid);
  const own0 = process.cpuUsage();
  const timed = await closedLoop(port, warmCount, messages.length, window);
  const cpu1 = processCpuS(pid);
  const own = process.cpuUsage(own0);
  const daemonThreads: Record<string, number> = {};
  for (const [name, s] of cpu1.threads) {
    const d = s - (cpu0.threads.get(name) ?? 0);
    if (d > 0) daemonThreads[name] = +d.toFixed(2);
  }
  const result: RunResult = {
    sent: timed.sent,
    responses: timed.responses,
    cookieReplies: timed.cookieReplies,
    lost: timed.lost,
    wallMs: performance.now() - wall0,
    daemonCpuS: cpu1.total - cpu0.total,
    daemonThreads,
    generatorCpuS: (own.user + own.system) / 1e6,
    warm: { responses: warm.responses, cookieReplies: warm.cookieReplies, lost: warm.lost },
  };
  out({ ev: "result", ...result });
}

interface Command {
  op: "setup" | "prepare" | "run";
  responderPublic?: string;
  peers?: number;
  count?: number;
  port?: number;
  pid?: number;
  warmPasses?: number;
  window?: number;
}

// One command at a time: the parent waits for each answer before it sends the next.
const rl = createInterface({ input: process.stdin });
rl.on("line", (line) => {
  const c = JSON.parse(line) as Command;
  const done = (f: () => Promise<void> | void): void => {
    Promise.resolve()
      .then(f)
      .catch((err: unknown) => out({ ev: "error", message: (err as Error).message }));
  };
  if (c.op === "setup") done(() => setup(c.responderPublic ?? "", c.peers ?? 0));
  else if (c.op === "prepare") done(() => prepare(c.count ?? 0));
  else if (c.op === "run") done(() => runOnce(c.port ?? 0, c.pid ?? 0, c.warmPasses ?? 2, c.window ?? 32));
});
rl.on("close", () => {
  for (const p of peers) p.socket.close();
});
