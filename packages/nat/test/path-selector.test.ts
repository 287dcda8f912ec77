// PathSelector driven with an injected clock (plain `now` numbers) and a
// counter-based random source, so every schedule below is exact.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Endpoint } from "@plug/wireguard";
import {
  BURST_SCHEDULE_MS,
  KEEPALIVE_PROBE_MS,
  PATH_TIMEOUT_MS,
  PathSelector,
  UPGRADE_PROBE_MAX_MS,
  UPGRADE_PROBE_MIN_MS,
  endpointKey,
  type CandidateOrigin,
  type ProbeCandidate,
  type ProbeToSend,
} from "../src/index.js";
import { seededRandom } from "../../wireguard/test/support/seeded-random.js";

/** Deterministic bytes: SHA-256 of a call counter, so txids are distinct and ports spread out. */
const v4 = (address: string, port = 51820): Endpoint => ({ family: 4, address, port });
const cand = (endpoint: Endpoint, origin: CandidateOrigin): ProbeCandidate => ({ endpoint, origin });
const keys = (pings: readonly ProbeToSend[]): string[] => pings.map((p) => endpointKey(p.to)).sort();

const LAN = v4("192.168.1.20");
const PUB = v4("203.0.113.5", 40000);
const PUB2 = v4("203.0.113.6", 40001);
const MAPPED = v4("198.51.100.9", 7000);
const V6: Endpoint = { family: 6, address: "2001:db8::20", port: 51820 };

function selector(): PathSelector {
  return new PathSelector({ random: seededRandom("rnd") });
}

/** Answers the ping to `ep` among `pings` at `pongAt`; returns what the selector makes of it. */
function verify(s: PathSelector, pings: readonly ProbeToSend[], ep: Endpoint, pongAt: number) {
  const p = pings.find((x) => endpointKey(x.to) === endpointKey(ep));
  assert.ok(p, `a ping to ${endpointKey(ep)}`);
  return s.onPong(p.txid, p.to, pongAt);
}

describe("PathSelector bursts", () => {
  it("pings every candidate at offset 0 and at each BURST_SCHEDULE_MS offset, then stops", () => {
    const s = selector();
    const start = 1_000;
    s.setCandidates([cand(LAN, "lan"), cand(PUB, "public"), cand(MAPPED, "mapped")], start);
    assert.equal(s.nextDeadline(), start);
    const all = [LAN, PUB, MAPPED].map(endpointKey).sort();
    for (const offset of BURST_SCHEDULE_MS) {
      assert.equal(s.nextDeadline(), start + offset, `deadline for offset ${offset}`);
      if (offset > 0) assert.deepEqual(s.due(start + offset - 1), [], `nothing just before ${offset}`);
      assert.deepEqual(keys(s.due(start + offset)), all, `all candidates at ${offset}`);
    }
    assert.equal(s.stats.pingsSent, 3 * BURST_SCHEDULE_MS.length);
    // The burst is over: the next thing due is an upgrade probe, not another burst step.
    const last = start + (BURST_SCHEDULE_MS.at(-1) ?? 0);
    assert.equal(s.nextDeadline(), last + UPGRADE_PROBE_MIN_MS);
    assert.deepEqual(s.due(last + UPGRADE_PROBE_MIN_MS - 1), []);
  });

  it("every ping carries a distinct 12-byte txid", () => {
    const s = selector();
    s.setCandidates([cand(LAN, "lan"), cand(PUB, "public")], 0);
    const txids = new Set<string>();
    for (const offset of BURST_SCHEDULE_MS) {
      for (const p of s.due(offset)) {
        assert.equal(p.txid.length, 12);
        txids.add(Buffer.from(p.txid).toString("hex"));
      }
    }
    assert.equal(txids.size, 2 * BURST_SCHEDULE_MS.length);
  });

  it("one endpoint advertised twice is pinged once, under its best-ranked origin", () => {
    const s = selector();
    s.setCandidates([cand(LAN, "mapped"), cand(LAN, "lan"), cand(LAN, "public")], 0);
    const pings = s.due(0);
    assert.equal(pings.length, 1);
    assert.equal(verify(s, pings, LAN, 3)?.origin, "lan");
  });

  it("a new push restarts the burst from offset 0 with the new list", () => {
    const s = selector();
    s.setCandidates([cand(PUB, "public")], 0);
    s.due(0);
    s.due(100);
    s.setCandidates([cand(PUB2, "public")], 150);
    assert.equal(s.nextDeadline(), 150);
    assert.deepEqual(keys(s.due(150)), [endpointKey(PUB2)]);
    assert.equal(s.nextDeadline(), 250);
  });
});

describe("PathSelector pongs", () => {
  it("a pong for an unknown txid proves nothing", () => {
    const s = selector();
    s.setCandidates([cand(PUB, "public")], 0);
    s.due(0);
    assert.equal(s.onPong(new Uint8Array(12).fill(7), PUB, 10), undefined);
    assert.equal(s.onPong(new Uint8Array(0), PUB, 10), undefined);
    assert.equal(s.best(10), null);
    assert.deepEqual(s.paths(10), []);
    assert.equal(s.stats.pongsMatched, 0);
  });

  it("a pong verifies exactly the pinged candidate, with its RTT, and only once", () => {
    const s = selector();
    s.setCandidates([cand(PUB, "public"), cand(PUB2, "public")], 1_000);
    const pings = s.due(1_000);
    const path = verify(s, pings, PUB2, 1_037);
    assert.deepEqual(path, { endpoint: PUB2, origin: "public", rttMs: 37, lastPongAt: 1_037 });
    assert.deepEqual(s.best(1_040), path);
    assert.deepEqual(s.paths(1_040).map((p) => endpointKey(p.endpoint)), [endpointKey(PUB2)]);
    // A replayed pong is a stray now.
    assert.equal(verify(s, pings, PUB2, 1_050), undefined);
    assert.equal(s.stats.pongsMatched, 1);
  });

  it("a pong from another address than the ping went to proves nothing, but its source becomes a candidate", () => {
    const s = selector();
    s.setCandidates([cand(PUB, "public")], 0);
    const [ping] = s.due(0);
    assert.ok(ping);
    const elsewhere = v4("198.51.100.200", 61000);
    assert.equal(s.onPong(ping.txid, elsewhere, 15), undefined);
    assert.equal(s.best(20), null);
    assert.equal(s.stats.pongsMatched, 0);
    assert.equal(s.stats.pongsElsewhere, 1);
    assert.equal(s.onPong(ping.txid, PUB, 16), undefined, "the txid is used up");
    // The source is pinged from now on, and a pong from it proves it.
    const next = s.due(100);
    assert.deepEqual(keys(next), [endpointKey(elsewhere), endpointKey(PUB)].sort());
    assert.equal(verify(s, next, elsewhere, 120)?.origin, "reflexive");
  });

  it("the RTT is measured against the ping the pong answers, not the first one", () => {
    const s = selector();
    s.setCandidates([cand(PUB, "public")], 0);
    s.due(0);
    const second = s.due(100);
    assert.equal(verify(s, second, PUB, 112)?.rttMs, 12);
  });
});

describe("PathSelector ranking", () => {
  /** Verifies each [endpoint, origin, rtt] in one burst at t=0. */
  function withVerified(list: readonly (readonly [Endpoint, CandidateOrigin, number])[]): PathSelector {
    const s = selector();
    s.setCandidates(list.map(([e, o]) => cand(e, o)), 0);
    const pings = s.due(0);
    for (const [e, , rtt] of list) verify(s, pings, e, rtt);
    return s;
  }

  it("prefers lan over ipv6 over public over mapped, whatever the RTTs", () => {
    const all = [
      [MAPPED, "mapped", 1],
      [PUB, "public", 5],
      [V6, "ipv6", 20],
      [LAN, "lan", 90],
    ] as const;
    assert.equal(withVerified(all).best(100)?.origin, "lan");
    assert.equal(withVerified(all.slice(0, 3)).best(100)?.origin, "ipv6");
    assert.equal(withVerified(all.slice(0, 2)).best(100)?.origin, "public");
    assert.equal(withVerified(all.slice(0, 1)).best(100)?.origin, "mapped");
  });

  it("within a rank the lower RTT wins; reflexive and guessed paths rank with public", () => {
    const a = withVerified([
      [PUB, "public", 30],
      [PUB2, "public", 10],
    ]);
    assert.equal(endpointKey(a.best(100)?.endpoint ?? LAN), endpointKey(PUB2));
    const b = withVerified([
      [PUB, "public", 30],
      [PUB2, "reflexive", 10],
      [MAPPED, "mapped", 2],
    ]);
    assert.equal(b.best(100)?.origin, "reflexive");
  });

  it("a path expires PATH_TIMEOUT_MS after its last pong", () => {
    const s = withVerified([[PUB, "public", 10]]);
    assert.notEqual(s.best(10 + PATH_TIMEOUT_MS), null);
    assert.equal(s.best(10 + PATH_TIMEOUT_MS + 1), null);
    assert.deepEqual(s.paths(10 + PATH_TIMEOUT_MS + 1), []);
  });

  it("an expired better path gives way to a live worse one", () => {
    const s = selector();
    s.setCandidates([cand(LAN, "lan"), cand(PUB, "public")], 0);
    const pings = s.due(0);
    verify(s, pings, LAN, 5);
    verify(s, pings, PUB, 30);
    assert.equal(s.best(5 + PATH_TIMEOUT_MS)?.origin, "lan");
    assert.equal(s.best(5 + PATH_TIMEOUT_MS + 1)?.origin, "public");
    assert.equal(s.best(30 + PATH_TIMEOUT_MS + 1), null);
  });
});

describe("PathSelector after the burst", () => {
  it("once lan is verified the rest of the burst is not sent", () => {
    const s = selector();
    s.setCandidates([cand(LAN, "lan"), cand(PUB, "public"), cand(MAPPED, "mapped")], 0);
    verify(s, s.due(0), LAN, 4);
    for (const offset of BURST_SCHEDULE_MS.slice(1)) assert.deepEqual(s.due(offset), [], `nothing at ${offset}`);
    // Nothing but the keepalive of the lan path until then.
    let t = BURST_SCHEDULE_MS.at(-1) ?? 0;
    while (t < 19_000) {
      t += 500;
      assert.deepEqual(s.due(t), [], `nothing at ${t}`);
    }
  });

  /** Runs the selector from deadline to deadline until `end`, answering pings to `answering` after 5 ms. */
  function drive(s: PathSelector, start: number, end: number, answering: ReadonlySet<string>): { at: number; to: string }[] {
    const log: { at: number; to: string }[] = [];
    let t = start;
    for (let guard = 0; guard < 10_000; guard++) {
      const pings = s.due(t);
      for (const p of pings) {
        log.push({ at: t, to: endpointKey(p.to) });
        if (answering.has(endpointKey(p.to))) s.onPong(p.txid, p.to, t + 5);
      }
      const next = s.nextDeadline();
      if (next === null || next > end) break;
      assert.ok(next > t, `deadline ${next} moves forward from ${t}`);
      t = next;
    }
    return log;
  }

  it("upgrade probes go only to better-ranked candidates, backing off from 5 s to 30 s", () => {
    const s = selector();
    s.setCandidates([cand(LAN, "lan"), cand(PUB, "public"), cand(MAPPED, "mapped")], 0);
    const log = drive(s, 0, 200_000, new Set([endpointKey(PUB)]));
    const burstEnd = BURST_SCHEDULE_MS.at(-1) ?? 0;
    const afterBurst = log.filter((e) => e.at > burstEnd);
    const lanTimes = afterBurst.filter((e) => e.to === endpointKey(LAN)).map((e) => e.at);
    const gaps = lanTimes.map((at, i) => at - (i === 0 ? burstEnd : (lanTimes[i - 1] ?? 0)));
    assert.deepEqual(gaps.slice(0, 6), [UPGRADE_PROBE_MIN_MS, 10_000, 20_000, UPGRADE_PROBE_MAX_MS, UPGRADE_PROBE_MAX_MS, UPGRADE_PROBE_MAX_MS]);
    // The mapped candidate ranks below the verified public path: never probed again.
    assert.equal(afterBurst.filter((e) => e.to === endpointKey(MAPPED)).length, 0);
    // The public path stays verified through its keepalives.
    assert.equal(s.best(200_000)?.origin, "public");
  });

  it("with nothing verified (on the relay), every candidate is re-probed with the same backoff", () => {
    const s = selector();
    s.setCandidates([cand(PUB, "public"), cand(MAPPED, "mapped")], 0);
    const log = drive(s, 0, 110_000, new Set());
    const burstEnd = BURST_SCHEDULE_MS.at(-1) ?? 0;
    const times = [...new Set(log.filter((e) => e.at > burstEnd).map((e) => e.at))];
    assert.deepEqual(times, [burstEnd + 5_000, burstEnd + 15_000, burstEnd + 35_000, burstEnd + 65_000, burstEnd + 95_000]);
    for (const at of times) assert.deepEqual(log.filter((e) => e.at === at).map((e) => e.to).sort(), [endpointKey(MAPPED), endpointKey(PUB)].sort());
  });

  it("the chosen path gets a keepalive probe every 20 s, and stays verified while it answers", () => {
    const s = selector();
    s.setCandidates([cand(LAN, "lan")], 0);
    const log = drive(s, 0, 300_000, new Set([endpointKey(LAN)]));
    const times = log.map((e) => e.at);
    assert.equal(times[0], 0);
    const keepalives = times.slice(1);
    assert.ok(keepalives.length >= 14, `keepalives: ${keepalives.length}`);
    for (let i = 1; i < keepalives.length; i++) assert.equal((keepalives[i] ?? 0) - (keepalives[i - 1] ?? 0), KEEPALIVE_PROBE_MS);
    assert.equal(s.best(300_000)?.origin, "lan");
  });

  it("when the chosen lan path stops answering, the candidates are probed again (not left silent)", () => {
    // Keep probing while "on the relay" (path-selector.ts's header): a lan
    // path that dies must not leave the pair without any probing until coordd
    // happens to push again (a refresh that changes nothing pushes nothing).
    const s = selector();
    s.setCandidates([cand(LAN, "lan"), cand(PUB, "public")], 0);
    verify(s, s.due(0), LAN, 3);
    const log = drive(s, 100, 200_000, new Set());
    const deadAt = 3 + PATH_TIMEOUT_MS;
    assert.equal(s.best(deadAt + 1), null);
    const after = log.filter((e) => e.at > deadAt);
    assert.ok(after.some((e) => e.to === endpointKey(PUB)), `probes after the lan path died at ${deadAt}: ${JSON.stringify(after)}`);
    // And it keeps looking, backing off, rather than probing once.
    const times = [...new Set(after.map((e) => e.at))];
    assert.ok(times.length >= 3, `probe rounds after the death: ${times.join(", ")}`);
    const gaps = times.slice(1).map((t, i) => t - (times[i] ?? 0));
    assert.ok(gaps.every((g, i) => g >= UPGRADE_PROBE_MIN_MS && g <= UPGRADE_PROBE_MAX_MS && (i === 0 || g >= (gaps[i - 1] ?? 0))), `gaps ${gaps.join(", ")}`);
  });

  it("invalidate forgets every verification and probes everything again at once", () => {
    const s = selector();
    s.setCandidates([cand(LAN, "lan"), cand(PUB, "public")], 0);
    const first = s.due(0);
    verify(s, first, LAN, 3);
    for (const t of [100, 5_100]) assert.deepEqual(s.due(t), [], "lan verified: quiet");
    s.invalidate(10_000);
    assert.equal(s.best(10_000), null);
    assert.deepEqual(s.paths(10_000), []);
    assert.equal(s.nextDeadline(), 10_000);
    const again = s.due(10_000);
    assert.deepEqual(keys(again), [LAN, PUB].map(endpointKey).sort());
    assert.equal(verify(s, again, LAN, 10_004)?.rttMs, 4);
    assert.equal(s.best(10_010)?.origin, "lan");
    // The burst stops again once lan answers.
    assert.deepEqual(s.due(10_100), []);
  });
});

describe("PathSelector birthday guessing", () => {
  const OBSERVED = v4("203.0.113.77", 31000);

  it("sends at most 256 distinct guesses, 16 per 100 ms, to the observed address", () => {
    const s = selector();
    s.setCandidates([cand(OBSERVED, "public")], 0);
    s.guessAround(OBSERVED, 1_000, 0);
    const seen = new Set<string>();
    const perStep: number[] = [];
    for (let t = 0; t <= 3_000; t += 100) {
      const guesses = s.due(t).filter((p) => endpointKey(p.to) !== endpointKey(OBSERVED));
      perStep.push(guesses.length);
      for (const g of guesses) {
        assert.equal(g.to.address, OBSERVED.address);
        seen.add(endpointKey(g.to));
      }
    }
    assert.equal(seen.size, 256);
    assert.equal(s.stats.guessesSent, 256);
    assert.deepEqual(perStep.slice(0, 17), [...Array<number>(16).fill(16), 0]);
    assert.ok(perStep.every((n) => n <= 16));
  });

  it("stops guessing as soon as any pong arrives, and keeps a guessed path as reflexive", () => {
    const s = selector();
    s.setCandidates([cand(OBSERVED, "public")], 0);
    s.guessAround(OBSERVED, 256, 0);
    s.due(0);
    s.due(100);
    const third = s.due(200);
    const hit = third.find((p) => endpointKey(p.to) !== endpointKey(OBSERVED));
    assert.ok(hit);
    const path = s.onPong(hit.txid, hit.to, 230);
    assert.equal(path?.origin, "guess");
    assert.equal(s.stats.guessesSent, 48);
    for (let t = 300; t <= 3_000; t += 100) s.due(t);
    assert.equal(s.stats.guessesSent, 48);
    // The port that answered is probed in the next burst like any candidate.
    s.startBurst(5_000);
    assert.deepEqual(keys(s.due(5_000)), [endpointKey(hit.to), endpointKey(OBSERVED)].sort());
  });

  it("a pong on an ordinary candidate also ends the guessing", () => {
    const s = selector();
    s.setCandidates([cand(OBSERVED, "public")], 0);
    s.guessAround(OBSERVED, 256, 0);
    verify(s, s.due(0), OBSERVED, 20);
    for (let t = 100; t <= 3_000; t += 100) s.due(t);
    assert.equal(s.stats.guessesSent, 16);
  });
});

describe("PathSelector bounds", () => {
  it("addReflexive keeps at most 8 addresses, the newest, and ignores known ones", () => {
    const s = selector();
    s.setCandidates([cand(PUB, "public")], 0);
    assert.equal(s.addReflexive(PUB, 0), false, "already a candidate");
    const added = Array.from({ length: 20 }, (_, i) => v4("198.51.100.1", 2000 + i));
    for (const e of added) assert.equal(s.addReflexive(e, 0), true);
    assert.equal(s.addReflexive(added[19] ?? PUB, 0), false, "already reflexive");
    s.startBurst(10_000);
    const targets = keys(s.due(10_000));
    assert.deepEqual(targets, [endpointKey(PUB), ...added.slice(12).map(endpointKey)].sort());
  });

  it("addReflexive starts a burst when none runs", () => {
    const s = selector();
    s.setCandidates([], 0);
    for (const offset of BURST_SCHEDULE_MS) s.due(offset);
    const idle = s.nextDeadline();
    assert.ok(idle === null || idle > 7_000);
    s.addReflexive(PUB2, 7_000);
    assert.equal(s.nextDeadline(), 7_000);
    assert.deepEqual(keys(s.due(7_000)), [endpointKey(PUB2)]);
  });

  it("outstanding pings are bounded at 1024: the oldest are forgotten", () => {
    const s = selector();
    const many = Array.from({ length: 1_100 }, (_, i) => cand(v4(`10.${i >> 8}.${i & 255}.1`, 51820), "lan"));
    s.setCandidates(many, 0);
    const pings = s.due(0);
    assert.equal(pings.length, 1_100);
    assert.equal(s.onPong(pings[0]?.txid ?? new Uint8Array(), pings[0]?.to ?? PUB, 5), undefined, "the first ping was evicted");
    assert.equal(s.onPong(pings[75]?.txid ?? new Uint8Array(), pings[75]?.to ?? PUB, 5), undefined, "the 76th ping was evicted");
    assert.equal(s.onPong(pings[76]?.txid ?? new Uint8Array(), pings[76]?.to ?? PUB, 5)?.rttMs, 5, "the 77th is still remembered");
  });

  it("outstanding pings expire 10 s after they were sent", () => {
    const s = selector();
    s.setCandidates([cand(PUB, "public"), cand(PUB2, "public")], 0);
    const pings = s.due(0);
    s.due(10_000);
    assert.equal(verify(s, pings, PUB, 10_000)?.rttMs, 10_000, "still known at exactly 10 s");
    s.due(10_001);
    assert.equal(verify(s, pings, PUB2, 10_001), undefined, "forgotten after 10 s");
  });

  it("reset forgets candidates, paths and schedules", () => {
    const s = selector();
    s.setCandidates([cand(PUB, "public")], 0);
    const pings = s.due(0);
    verify(s, pings, PUB, 10);
    s.guessAround(PUB, 256, 0);
    s.reset();
    assert.equal(s.best(20), null);
    assert.equal(s.nextDeadline(), null);
    assert.deepEqual(s.due(100_000), []);
  });
});
