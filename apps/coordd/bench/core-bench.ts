// The sans-IO core alone, in this process, on one core: what coordd's logic
// costs without the kernel's UDP path. Registrations and relay frames are
// prepared first, then fed to CoordCore.handle in a tight loop.
import { randomBytes } from "node:crypto";
import {
  clientLinkKeys,
  decodeCookieReply,
  encodeRegister,
  encodeRelayFrame,
  generateKeyPair,
  generatePrivateKey,
  openServerReply,
  publicKeyFromPrivate,
  type LinkKeys,
} from "@plug/protocol";
import { CoordCore, defaultLimits, udpSource, type Source } from "../src/index.js";

const gc = (globalThis as { gc?: () => void }).gc;

function heapUsed(): number {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
}

export interface CoreBenchResult {
  core_registrations_per_s_new_sessions: number;
  core_registrations_per_s_refresh: number;
  core_heap_mb_per_10k_registrations: number;
  core_relay_frames_per_s: number;
}

export function runCoreBench(n: number, ridsPerSession: number): CoreBenchResult {
  const priv = generatePrivateKey();
  const pub = publicKeyFromPrivate(priv);
  const big = 1e12;
  let now = 1_000;
  const core = new CoordCore({
    serverPrivate: priv,
    serverPublic: pub,
    limits: { ...defaultLimits, ratePerSecond: big, rateBurst: big, maxRidsPerAddress: big, maxSessions: big, relayPairBytesPerSecond: big, relayTotalBytesPerSecond: big },
    random: (k) => new Uint8Array(randomBytes(k)),
    nowMs: now,
  });
  // One source address per session, as real clients; each gets its cookie the normal way.
  const nSessions = Math.ceil(n / ridsPerSession);
  const sessions: { keys: LinkKeys; src: Source; cookie: Uint8Array; counter: bigint }[] = [];
  for (let i = 0; i < nSessions; i++) {
    const e = generateKeyPair();
    const keys = clientLinkKeys(e.privateKey, e.publicKey, pub);
    const src = udpSource(0, { family: 4, address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, port: 40000 });
    const reply = core.handle(encodeRegister(keys, new Uint8Array(16), 0n, { rid: randomBytes(16), slot: randomBytes(16), flags: 0, sealed: new Uint8Array(0) }), src, now);
    sessions.push({ keys, src, cookie: decodeCookieReply(reply[0]?.bytes ?? new Uint8Array()).cookie, counter: 1n });
  }
  const sealed = randomBytes(200);
  const bodies = Array.from({ length: n }, () => ({ rid: randomBytes(16), slot: randomBytes(16), flags: 0, sealed }));
  const build = (): { bytes: Uint8Array; src: Source }[] =>
    bodies.map((body, i) => {
      const s = sessions[Math.floor(i / ridsPerSession)] as (typeof sessions)[number];
      return { bytes: encodeRegister(s.keys, s.cookie, s.counter++, body), src: s.src };
    });
  const first = build();
  const heap0 = heapUsed();
  let t = performance.now();
  for (const r of first) core.handle(r.bytes, r.src, now);
  const newRate = (n / (performance.now() - t)) * 1000;
  first.length = 0;
  const heap1 = heapUsed();
  now += 1000;
  const refresh = build();
  t = performance.now();
  for (const r of refresh) core.handle(r.bytes, r.src, now);
  const refreshRate = (n / (performance.now() - t)) * 1000;
  if (core.registeredRids !== n) throw new Error(`core holds ${core.registeredRids} rids, expected ${n}`);

  // Relay: pair two of the sessions on one rid, then forward frames one way.
  const [a, b] = sessions;
  if (a === undefined || b === undefined) throw new Error("need two sessions");
  const rid = randomBytes(16);
  core.handle(encodeRegister(a.keys, a.cookie, a.counter++, { rid, slot: randomBytes(16), flags: 0, sealed }), a.src, now);
  const out = core.handle(encodeRegister(b.keys, b.cookie, b.counter++, { rid, slot: randomBytes(16), flags: 0, sealed }), b.src, now);
  const push = out.map((s) => openServerReply(b.keys, s.bytes)).find((m) => m?.kind === "push");
  if (push?.kind !== "push") throw new Error("no push");
  const frame = encodeRelayFrame(push.channel, randomBytes(128));
  const frames = 500_000;
  t = performance.now();
  for (let i = 0; i < frames; i++) core.handle(frame, a.src, now);
  const relayRate = (frames / (performance.now() - t)) * 1000;
  return {
    core_registrations_per_s_new_sessions: Math.round(newRate),
    core_registrations_per_s_refresh: Math.round(refreshRate),
    core_heap_mb_per_10k_registrations: Math.round(((heap1 - heap0) / (n / 10_000)) / 1e5) / 10,
    core_relay_frames_per_s: Math.round(relayRate),
  };
}
