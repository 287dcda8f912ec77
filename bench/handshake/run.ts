// Handshake benchmark (issue 3), in-process on one thread with the real Noise/cookie code of
// @plug/wireguard (the same functions, in the same order, that core/handshake-path.ts and
// core/send-path.ts call; the index table, timers and logging around them are left out).
//
//   npm run bench:handshake                 3 repeats of 2 s per operation
//   npm run bench:handshake -- --seconds 1 --repeats 1
//   npm run bench:handshake -- --only responder     rows whose name contains the text (profiling)
//   npm run bench:handshake -- --only daemon        only the real-daemon rows (daemons.ts)
//   npm run bench:handshake -- --no-daemons         only the in-process rows (no root needed)
//   --daemon-peers N (1000)  --daemon-handshakes N (6000 per run)  --daemon-window N (32)
//
// Prints a table with ratios against the target (4,000 handshakes/s per core) and, from real
// wireguard-go and plugd processes answering the same initiations in the same run, the
// responder rate of each per CPU second of the daemon and plugd's ratio to wireguard-go.
// Writes bench-results/handshake-<timestamp>.json. See docs/PERFORMANCE.md.
import { randomBytes } from "node:crypto";
import {
  clampPrivateKey,
  compareTai64n,
  Keypair,
  CookieChecker,
  CookieGenerator,
  commitInitiation,
  consumeResponse,
  createInitiation,
  createResponse,
  decodeInitiation,
  decodeResponse,
  dh,
  encodeCookieSource,
  x25519PublicKey,
  encodeTai64n,
  finishInitiation,
  generateKeypair,
  Handshake,
  openInitiation,
  privateKeyObject,
  ReplayWindow,
  ZERO_KEY,
} from "./wg.js";
import { argValue, fmt, machine, summarise, table, writeResult, type Summary } from "../lib/stats.js";
import { runDaemonBench, type DaemonRun } from "./daemons.js";

export const TARGET_HANDSHAKES_PER_S = 4000;
const X25519_DH_ROW = "reference: X25519 DH (OpenSSL)";
const X25519_KEY_ROW = "reference: X25519 key import + public key";
const GO_DAEMON_ROW = "daemon: wireguard-go responder (reference)";
const PLUGD_DAEMON_ROW = "daemon: plugd responder";
const random = (n: number): Uint8Array => randomBytes(n);

/** Two parties with static keys, each side's cookie halves, as a configured device pair has. */
function parties() {
  const i = generateKeypair(random);
  const r = generateKeypair(random);
  const iPrivKey = privateKeyObject(i.privateKey);
  const rPrivKey = privateKeyObject(r.privateKey);
  const shared = dh(iPrivKey, r.publicKey);
  if (shared === null) throw new Error("zero shared secret");
  const iChecker = new CookieChecker(random);
  iChecker.setPublicKey(i.publicKey);
  const rChecker = new CookieChecker(random);
  rChecker.setPublicKey(r.publicKey);
  return { i, r, iPrivKey, rPrivKey, shared, iChecker, rChecker, iGenForR: new CookieGenerator(r.publicKey), rGenForI: new CookieGenerator(i.publicKey) };
}
type Parties = ReturnType<typeof parties>;

let tsCounter = 1_000_000n;
const nextTimestamp = (): Uint8Array => encodeTai64n(tsCounter++, 0);

/** Initiator, first half (send-path.ts sendInitiation): fresh ephemeral, message 1, macs. */
function makeInitiation(p: Parties, hs: Handshake, ephemeral: Uint8Array, ts: Uint8Array, index: number): Uint8Array {
  const msg = createInitiation(hs, {
    localPublic: p.i.publicKey,
    remotePublic: p.r.publicKey,
    staticShared: p.shared,
    ephemeralPrivate: clampPrivateKey(ephemeral),
    timestamp: ts,
    senderIndex: index,
  });
  if (msg === null) throw new Error("createInitiation failed");
  p.iGenForR.addMacs(msg, 0);
  return msg;
}

/** Responder (handshake-path.ts receiveInitiation + sendResponse): mac1, open, finish, commit, message 2, keypair. */
function respond(p: Parties, hs: Handshake, data: Uint8Array, index: number, now: number): Uint8Array {
  if (!p.rChecker.checkMac1(data)) throw new Error("bad mac1");
  const msg = decodeInitiation(data);
  if (msg === null) throw new Error("decode");
  const opened = openInitiation(msg, p.rPrivKey, p.r.publicKey);
  if (opened === null) throw new Error("open");
  const consumed = finishInitiation(msg, opened, p.shared);
  if (consumed === null) throw new Error("finish");
  if (hs.greatestTimestamp !== null && compareTai64n(consumed.timestamp, hs.greatestTimestamp) <= 0) throw new Error("replay");
  commitInitiation(hs, msg, consumed, now);
  const created = createResponse(hs, { initiatorStatic: opened.initiatorStatic, ephemeralPrivate: clampPrivateKey(random(32)), senderIndex: index, presharedKey: ZERO_KEY });
  if (created === null) throw new Error("createResponse");
  p.rGenForI.addMacs(created.message, now);
  new Keypair(created.keys, false, now, index, hs.remoteIndex, new ReplayWindow());
  hs.clear();
  return created.message;
}

/** Initiator, second half (handshake-path.ts receiveResponse): mac1, consume, keypair. */
function consume(p: Parties, hs: Handshake, data: Uint8Array, now: number): void {
  if (!p.iChecker.checkMac1(data)) throw new Error("bad mac1 on response");
  const msg = decodeResponse(data);
  if (msg === null) throw new Error("decode response");
  const keys = consumeResponse(hs, msg, { localPrivate: p.iPrivKey, presharedKey: ZERO_KEY });
  if (keys === null) throw new Error("consumeResponse failed");
  new Keypair(keys, true, now, msg.receiver, msg.sender, new ReplayWindow());
}

interface Fixture {
  readonly ephemerals: Uint8Array[];
  readonly timestamps: Uint8Array[];
  readonly initiations: Uint8Array[];
  readonly responses: Uint8Array[];
}

/** N complete handshakes done ahead, so each side can be timed alone on matching inputs. */
function fixture(p: Parties, n: number): Fixture {
  const f: Fixture = { ephemerals: [], timestamps: [], initiations: [], responses: [] };
  const rhs = new Handshake();
  for (let k = 0; k < n; k++) {
    const e = random(32);
    const ts = nextTimestamp();
    const init = makeInitiation(p, new Handshake(), e, ts, k + 1);
    f.ephemerals.push(e);
    f.timestamps.push(ts);
    f.initiations.push(init);
    f.responses.push(respond(p, rhs, init, 100_000 + k, 0));
  }
  return f;
}

/**
 * Runs `op(k)` for `seconds` of wall time (after a short warm-up) and returns
 * operations per CPU second of this process (user + system, all its threads,
 * so V8's GC helpers count too). "Per core" is per CPU second: on a machine
 * shared with other work, wall-clock rates measure the neighbours' load.
 */
function rate(seconds: number, op: (k: number) => void): number {
  const warm = performance.now() + Math.min(300, seconds * 200);
  let k = 0;
  while (performance.now() < warm) op(k++);
  const cpu0 = process.cpuUsage();
  const end = performance.now() + seconds * 1000;
  let n = 0;
  while (true) {
    for (let j = 0; j < 16; j++) op(k++);
    n += 16;
    if (performance.now() >= end) {
      const cpu = process.cpuUsage(cpu0);
      return n / ((cpu.user + cpu.system) / 1e6);
    }
  }
}

interface Row {
  readonly name: string;
  readonly unit: string;
  readonly perSecond: Summary;
  readonly target?: number;
}

export function runHandshakeBench(seconds: number, repeats: number, only?: string): Row[] {
  const p = parties();
  const n = 512;
  const f = fixture(p, n);
  const at = (arr: readonly Uint8Array[], k: number): Uint8Array => arr[k % n] as Uint8Array;

  const initiator = (k: number): void => {
    const hs = new Handshake();
    makeInitiation(p, hs, at(f.ephemerals, k), at(f.timestamps, k), (k % n) + 1);
    consume(p, hs, at(f.responses, k), 0);
  };
  // Fresh slot per message so the replay check passes for reused fixture initiations.
  const responder = (k: number): void => {
    respond(p, new Handshake(), at(f.initiations, k), 200_000 + (k & 0xffff), 0);
  };
  const initiationOnly = (k: number): void => void makeInitiation(p, new Handshake(), at(f.ephemerals, k), at(f.timestamps, k), 1);
  const full = (k: number): void => {
    const ihs = new Handshake();
    const init = makeInitiation(p, ihs, random(32), nextTimestamp(), (k & 0xffff) + 1);
    const resp = respond(p, new Handshake(), init, 300_000 + (k & 0xffff), 0);
    consume(p, ihs, resp, 0);
  };

  // Cookie mode (§5.3 under load): every message has a valid mac1 and no mac2.
  const floodSrc = encodeCookieSource(Uint8Array.of(198, 51, 100, 7), 51820);
  const mac1Reply = (k: number): void => {
    const msg = at(f.initiations, k);
    if (!p.rChecker.checkMac1(msg)) throw new Error("bad mac1");
    const v = p.rChecker.verifyMac2OrReply(msg, floodSrc, 0);
    if (v.valid || v.reply === null) throw new Error("expected a cookie reply");
  };
  const mac1Drop = (k: number): void => {
    if (!p.rChecker.checkMac1(at(f.initiations, k))) throw new Error("bad mac1");
  };
  const bad = Uint8Array.from(f.initiations[0] as Uint8Array);
  bad[120] = (bad[120] ?? 0) ^ 1;
  const badMac1 = (): void => {
    if (p.rChecker.checkMac1(bad)) throw new Error("mac1 should fail");
  };

  // The machine's X25519 speed, measured in the same run: each side needs 3 DHs with
  // variable points and one ephemeral key (import + base-point public key), so these
  // two rows bound what any handshake code could reach here.
  const peerPublics = f.ephemerals.map((e) => x25519PublicKey(clampPrivateKey(e)));
  const x25519Dh = (k: number): void => {
    if (dh(p.rPrivKey, at(peerPublics, k)) === null) throw new Error("zero DH");
  };
  const x25519Generate = (k: number): void => void x25519PublicKey(at(f.ephemerals, k));

  const cases: { name: string; unit: string; op: (k: number) => void; target?: number }[] = [
    { name: "initiator: create initiation + consume response", unit: "handshakes/s", op: initiator, target: TARGET_HANDSHAKES_PER_S },
    { name: "responder: consume initiation + create response", unit: "handshakes/s", op: responder, target: TARGET_HANDSHAKES_PER_S },
    { name: "both sides on one thread (full handshake)", unit: "handshakes/s", op: full, target: TARGET_HANDSHAKES_PER_S / 2 },
    { name: "  create initiation only", unit: "msgs/s", op: initiationOnly },
    { name: "cookie flood: mac1 ok, cookie reply sent", unit: "msgs/s", op: mac1Reply },
    { name: "cookie flood: mac1 ok, dropped (no reply)", unit: "msgs/s", op: mac1Drop },
    { name: "flood: bad mac1, dropped", unit: "msgs/s", op: badMac1 },
    { name: X25519_DH_ROW, unit: "ops/s", op: x25519Dh },
    { name: X25519_KEY_ROW, unit: "ops/s", op: x25519Generate },
  ];
  if (only !== undefined) cases.splice(0, cases.length, ...cases.filter((c) => c.name.includes(only)));
  const samples = new Map<string, number[]>(cases.map((c) => [c.name, []]));
  // Interleave the cases across repeats so drift (thermal, other load) hits them alike.
  for (let r = 0; r < repeats; r++) {
    for (const c of cases) {
      samples.get(c.name)?.push(rate(seconds, c.op));
      process.stderr.write(".");
    }
  }
  process.stderr.write("\n");
  return cases.map((c) => ({ name: c.name, unit: c.unit, perSecond: summarise(samples.get(c.name) ?? []), ...(c.target ? { target: c.target } : {}) }));
}

export function renderHandshakeTable(rows: readonly Row[], seconds: number, repeats: number): string {
  const body = rows.map((r) => [
    r.name,
    r.unit,
    fmt(r.perSecond.median),
    r.perSecond.n > 1 ? `${fmt(r.perSecond.min)}-${fmt(r.perSecond.max)}` : "",
    fmt(1e6 / r.perSecond.median),
    r.target ? `${fmt(r.target)}` : "",
    r.target ? `x${(r.perSecond.median / r.target).toFixed(2)}` : "",
  ]);
  const dhRow = rows.find((r) => r.name === X25519_DH_ROW);
  const keyRow = rows.find((r) => r.name === X25519_KEY_ROW);
  let ceiling = "";
  if (dhRow && keyRow && dhRow.perSecond.n > 0 && keyRow.perSecond.n > 0) {
    // Per side: three DHs (es/ee/se; static-static is precomputed per peer) and one ephemeral key.
    const usPerSide = 3 * (1e6 / dhRow.perSecond.median) + 1e6 / keyRow.perSecond.median;
    const perSide = 1e6 / usPerSide;
    const ratios = rows
      .filter((r) => r.target === TARGET_HANDSHAKES_PER_S)
      .map((r) => `${r.name.split(":")[0]} x${(r.perSecond.median / perSide).toFixed(2)}`)
      .join(", ");
    ceiling =
      `\nX25519 ceiling here (3 DH + 1 key per side, nothing else): ${fmt(usPerSide)} us = ${fmt(perSide)} handshakes/s per side` +
      ` (target x${(TARGET_HANDSHAKES_PER_S / perSide).toFixed(2)} of it)${ratios ? `; measured / ceiling: ${ratios}` : ""}`;
  }
  return (
    `Handshake cost, one thread, ${repeats} x ${seconds} s per row (median, min-max), rates per CPU second; target ${TARGET_HANDSHAKES_PER_S} handshakes/s per core per side:\n` +
    table(["operation", "unit", "median /s", "min-max", "us/op", "target", "ratio"], body) +
    ceiling
  );
}

/** Daemon rows (per CPU second of the daemon process) and the per-repeat plugd / wireguard-go ratios. */
function daemonRows(runs: readonly DaemonRun[]): { rows: Row[]; note: string } {
  const of = (impl: string): DaemonRun[] => runs.filter((r) => r.impl === impl);
  const go = of("wireguard-go");
  const plugd = of("plugd");
  const rows: Row[] = [
    { name: GO_DAEMON_ROW, unit: "handshakes/s", perSecond: summarise(go.map((r) => r.perCpuS)), target: TARGET_HANDSHAKES_PER_S },
    { name: PLUGD_DAEMON_ROW, unit: "handshakes/s", perSecond: summarise(plugd.map((r) => r.perCpuS)), target: TARGET_HANDSHAKES_PER_S },
  ];
  const ratios = summarise(plugd.map((p) => p.perCpuS / (go.find((g) => g.repeat === p.repeat)?.perCpuS ?? Number.NaN)));
  const line = (label: string, rs: readonly DaemonRun[]): string => {
    const wall = summarise(rs.map((r) => r.responses / (r.wallMs / 1000)));
    const cores = summarise(rs.map((r) => r.daemonCpuS / (r.wallMs / 1000)));
    const sum = (f: (r: DaemonRun) => number): number => rs.reduce((a, r) => a + f(r), 0);
    return (
      `  ${label}: ${fmt(wall.median)} handshakes per wall second using ${cores.median.toFixed(2)} cores;` +
      ` ${sum((r) => r.responses)} responses, ${sum((r) => r.cookieReplies)} cookie replies, ${sum((r) => r.lost)} lost in the timed phases;` +
      ` generator CPU ${fmt(sum((r) => r.generatorCpuS))} s`
    );
  };
  const note =
    `\nplugd / wireguard-go responder per CPU second, same run: x${ratios.median.toFixed(2)}` +
    (ratios.n > 1 ? ` (x${ratios.min.toFixed(2)}-x${ratios.max.toFixed(2)} over ${ratios.n} repeats)` : "") +
    `\n${line("wireguard-go", go)}\n${line("plugd", plugd)}`;
  return { rows, note };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const quick = argv.includes("--smoke");
  const seconds = Number(argValue(argv, "--seconds") ?? (quick ? 0.3 : 2));
  const repeats = Number(argValue(argv, "--repeats") ?? (quick ? 1 : 3));
  if (!(seconds > 0) || !(repeats >= 1)) throw new Error("--seconds and --repeats want positive numbers");
  const only = argValue(argv, "--only");
  const withDaemons = !argv.includes("--no-daemons") && (only === undefined || [GO_DAEMON_ROW, PLUGD_DAEMON_ROW].some((n) => n.includes(only)));
  const rows = runHandshakeBench(seconds, repeats, only);
  if (rows.length === 0 && !withDaemons) throw new Error(`--only ${only ?? ""}: no row matches`);
  let text = rows.length > 0 ? renderHandshakeTable(rows, seconds, repeats) : "";
  // Printed before the daemon rows start, which need root and namespaces and fail loudly without them.
  if (text) process.stdout.write(`\n${text}\n`);
  let daemonRuns: DaemonRun[] = [];
  if (withDaemons) {
    const peers = Number(argValue(argv, "--daemon-peers") ?? 1000);
    const handshakes = Number(argValue(argv, "--daemon-handshakes") ?? (quick ? 1000 : 6000));
    const window = Number(argValue(argv, "--daemon-window") ?? 32);
    daemonRuns = await runDaemonBench({ peers, handshakes, window, repeats }, () => process.stderr.write("."));
    process.stderr.write("\n");
    const d = daemonRows(daemonRuns);
    const daemonText =
      `Responder daemons, one load generator, ${peers} initiator peers (one source address each), ${handshakes} timed initiations per run,` +
      ` at most ${window} in flight, ${repeats} run(s) each, alternating; rates per CPU second of the daemon process (/proc/PID/stat):\n` +
      table(
        ["operation", "unit", "median /s", "min-max", "us/op", "target", "ratio"],
        d.rows.map((r) => [r.name, r.unit, fmt(r.perSecond.median), r.perSecond.n > 1 ? `${fmt(r.perSecond.min)}-${fmt(r.perSecond.max)}` : "", fmt(1e6 / r.perSecond.median), `${fmt(r.target ?? 0)}`, `x${(r.perSecond.median / (r.target ?? 1)).toFixed(2)}`]),
      ) +
      d.note;
    process.stdout.write(`\n${daemonText}\n`);
    text += `${text ? "\n\n" : ""}${daemonText}`;
    rows.push(...d.rows);
  }
  process.stdout.write(`\nmachine: ${JSON.stringify(machine())}\n`);
  const path = writeResult("handshake", { kind: "handshake", startedAt: new Date().toISOString(), machine: machine(), seconds, repeats, targetPerCore: TARGET_HANDSHAKES_PER_S, rows, daemonRuns, table: text });
  process.stdout.write(`wrote ${path}\n`);
}

await main();
