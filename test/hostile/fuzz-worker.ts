// Runs inside the daemon's namespace (spawned by hostile-udp.test.ts through
// `ip netns exec`): sends mutated datagrams at a bounded rate from one socket
// that nobody else uses, and counts every datagram that comes back to it.
// Input on stdin (JSON), result on stdout (JSON).
import { createSocket } from "node:dgram";
import { readFileSync } from "node:fs";
import { MUTATIONS, Prng, mutate } from "./mutate.js";
import { decodeMessage, mac1Valid, openCookieReply } from "../support/rawpeer/index.js";

interface FuzzConfig {
  readonly target: string;
  readonly port: number;
  readonly bind: string;
  readonly seeds: string[];
  readonly count: number;
  readonly ratePerSecond: number;
  readonly rngSeed: number;
  /** A valid initiation sent first: its response proves replies to this socket are seen. */
  readonly control: string;
  readonly daemonStatic: string;
}

export interface FuzzResult {
  readonly sent: number;
  /** Replies that §5.3 does not allow: anything but a cookie reply to a mac1-valid handshake message. */
  readonly replies: number;
  /** Cookie replies that open with the mac1 of a mac1-valid handshake message we sent (allowed under load). */
  readonly cookieReplies: number;
  /** Handshake-shaped datagrams whose mac1 stayed valid (only these may draw a cookie reply). */
  readonly mac1Valid: number;
  readonly controlReplies: number;
  readonly replySamples: string[];
  readonly elapsedMs: number;
  readonly sendErrors: number;
}

const cfg = JSON.parse(readFileSync(0, "utf8")) as FuzzConfig;
const seeds = cfg.seeds.map((h) => new Uint8Array(Buffer.from(h, "hex")));
const rng = new Prng(cfg.rngSeed);
const sock = createSocket("udp4");
const daemonStatic = new Uint8Array(Buffer.from(cfg.daemonStatic, "hex"));
// sender index -> mac1 of mac1-valid handshake messages, for authenticating cookie replies.
const mac1BySender = new Map<number, Uint8Array>();
let mac1ValidCount = 0;
let cookieReplies = 0;
let replies = 0;
let controlReplies = 0;
let fuzzing = false;
const replySamples: string[] = [];
sock.on("message", (m) => {
  if (!fuzzing) {
    controlReplies++;
    return;
  }
  const msg = decodeMessage(m);
  if (msg?.type === 3) {
    const mac1 = mac1BySender.get(msg.receiver);
    if (mac1 && openCookieReply(msg.nonce, msg.encryptedCookie, daemonStatic, mac1)) {
      cookieReplies++;
      return;
    }
  }
  replies++;
  if (replySamples.length < 5) replySamples.push(m.toString("hex").slice(0, 128));
});

const TICK_MS = 10;
const perTick = Math.max(1, Math.round((cfg.ratePerSecond * TICK_MS) / 1000));
let sent = 0;
let sendErrors = 0;
let start = Date.now();

function next(): Uint8Array {
  const seed = seeds[rng.below(seeds.length)] ?? new Uint8Array(0);
  const d = mutate(rng, seed, MUTATIONS[rng.below(MUTATIONS.length)] ?? "random");
  const type = d.length >= 4 ? d[0] : 0;
  if (((type === 1 && d.length === 148) || (type === 2 && d.length === 92)) && d[1] === 0 && d[2] === 0 && d[3] === 0 && mac1Valid(d, daemonStatic)) {
    mac1ValidCount++;
    mac1BySender.set(Buffer.from(d.buffer, d.byteOffset, d.length).readUInt32LE(4), d.slice(d.length - 32, d.length - 16));
  }
  return d;
}

sock.bind({ address: cfg.bind, port: 0 }, () => {
  sock.send(Buffer.from(cfg.control, "hex"), cfg.port, cfg.target);
  const waitControl = Date.now() + 5000;
  const begin = (): void => {
    if (controlReplies === 0 && Date.now() < waitControl) {
      setTimeout(begin, 20);
      return;
    }
    // Anything arriving later than this is counted against the daemon.
    setTimeout(() => {
      fuzzing = true;
      start = Date.now();
      tick();
    }, 200);
  };
  const tick = (): void => {
    // Pace against the wall clock so a slow tick is caught up, never exceeded.
    const due = Math.min(cfg.count, Math.floor(((Date.now() - start) / 1000) * cfg.ratePerSecond) + perTick);
    let pending = 0;
    while (sent < due) {
      pending++;
      sent++;
      sock.send(next(), cfg.port, cfg.target, (err) => {
        if (err) sendErrors++;
        if (--pending === 0 && sent < cfg.count) setTimeout(tick, TICK_MS);
      });
    }
    if (sent >= cfg.count) {
      // Give late replies a moment to arrive before reporting.
      setTimeout(() => {
        const result: FuzzResult = { sent, replies, cookieReplies, mac1Valid: mac1ValidCount, controlReplies, replySamples, elapsedMs: Date.now() - start, sendErrors };
        process.stdout.write(`${JSON.stringify(result)}\n`);
        sock.close();
      }, 1500);
    } else if (pending === 0) setTimeout(tick, TICK_MS);
  };
  begin();
});
