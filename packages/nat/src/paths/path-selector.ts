// Sans-IO path choice for one peer (DESIGN.md "Probes"): ping every candidate
// at once when coordd pushes (both sides do, which is the hole punch), keep
// the paths whose pongs come back, prefer same LAN > IPv6 > public > mapped,
// and keep probing better candidates while on a worse path (or on the relay)
// so the pair upgrades without dropping traffic. The caller encodes and
// authenticates the probes; this class only decides whom to ping and when,
// and what the answers prove.
import type { Endpoint } from "@plug/wireguard/net";
import type { RandomSource } from "../time/clock.js";
import { guessPorts } from "./birthday.js";
import { endpointKey, originRank, type CandidateOrigin, type ProbeCandidate } from "./path-kind.js";

/** Ping offsets after a push or a network change: fast at first, so the punch lands within the first second. */
export const BURST_SCHEDULE_MS: readonly number[] = [0, 100, 250, 500, 900, 1500, 2500, 4000, 6500];
/** While on a path that is not the best kind possible, better candidates are re-probed this often (backing off). */
export const UPGRADE_PROBE_MIN_MS = 5_000;
export const UPGRADE_PROBE_MAX_MS = 30_000;
/** The chosen path is re-probed this often: liveness, and it keeps the NATs' mappings open. */
export const KEEPALIVE_PROBE_MS = 20_000;
/** A path with no pong for this long is no longer verified. */
export const PATH_TIMEOUT_MS = 50_000;
/** Birthday guesses per 100 ms, and the round's budget. */
const GUESSES_PER_STEP = 16;
const GUESS_STEP_MS = 100;
const TXID_LENGTH = 12;
/** Outstanding pings remembered for matching pongs; older ones are forgotten. */
const MAX_PENDING = 1024;
const PENDING_TTL_MS = 10_000;
/** Reflexive candidates (learned from pings) kept at most. */
const MAX_REFLEXIVE = 8;

export interface ProbeToSend {
  readonly to: Endpoint;
  readonly txid: Uint8Array;
}

export interface VerifiedPath {
  readonly endpoint: Endpoint;
  readonly origin: CandidateOrigin;
  /** Round-trip time of the latest pong, ms. */
  readonly rttMs: number;
  /** When the latest pong arrived (the injected clock's ms). */
  readonly lastPongAt: number;
}

interface Pending {
  readonly candidate: ProbeCandidate;
  readonly sentAt: number;
}

export interface PathSelectorOptions {
  readonly random: RandomSource;
}

export class PathSelector {
  private readonly random: RandomSource;
  private candidates = new Map<string, ProbeCandidate>();
  private reflexive = new Map<string, ProbeCandidate>();
  private readonly pending = new Map<string, Pending>();
  private readonly verified = new Map<string, VerifiedPath>();
  private burstStart: number | null = null;
  private burstStep = 0;
  private upgradeAt: number | null = null;
  private upgradeInterval = UPGRADE_PROBE_MIN_MS;
  private keepaliveAt: number | null = null;
  private guesses: Endpoint[] = [];
  private guessAt: number | null = null;
  /** Pings sent, pongs that matched, for status and tests. */
  readonly stats = { pingsSent: 0, pongsMatched: 0, pongsElsewhere: 0, guessesSent: 0 };

  constructor(options: PathSelectorOptions) {
    this.random = options.random;
  }

  /** Replaces the peer's advertised candidates (a push) and starts a burst. */
  setCandidates(list: readonly ProbeCandidate[], now: number): void {
    const next = new Map<string, ProbeCandidate>();
    for (const c of list) {
      const key = endpointKey(c.endpoint);
      const old = next.get(key);
      if (old === undefined || originRank(c.origin) < originRank(old.origin)) next.set(key, c);
    }
    this.candidates = next;
    // A path verified at an address the peer no longer advertises stays usable
    // until it times out: it is still answering, and the peer may simply not know it.
    this.startBurst(now);
  }

  /**
   * Birthday probing against an endpoint-dependent NAT: up to 256 ports of
   * `observed`'s address, rate limited, for this burst only, stopped as soon
   * as any path verifies.
   */
  guessAround(observed: Endpoint, count: number, now: number): void {
    this.guesses = guessPorts(observed.port, count, this.random).map((port) => ({ ...observed, port }));
    this.guessAt = now;
  }

  /** A verified ping arrived from `from`: the peer can reach us from there, so that address is worth a ping back. */
  addReflexive(from: Endpoint, now: number): boolean {
    const key = endpointKey(from);
    if (this.candidates.has(key) || this.reflexive.has(key)) return false;
    if (this.reflexive.size >= MAX_REFLEXIVE) {
      const oldest = this.reflexive.keys().next().value;
      if (oldest !== undefined) this.reflexive.delete(oldest);
    }
    this.reflexive.set(key, { endpoint: from, origin: "reflexive" });
    if (this.burstStart === null) this.startBurst(now);
    return true;
  }

  /** After a local network change: every path is suspect, probe everything again now. */
  startBurst(now: number): void {
    this.burstStart = now;
    this.burstStep = 0;
    this.upgradeInterval = UPGRADE_PROBE_MIN_MS;
    this.upgradeAt = null;
  }

  /**
   * Every verification so far is suspect (our network changed, or the peer
   * moved): forget which paths answered and probe everything again now. A
   * path that still works answers within a round trip.
   */
  invalidate(now: number): void {
    this.verified.clear();
    this.keepaliveAt = null;
    this.startBurst(now);
  }

  /** Forget everything (the peer went away). */
  reset(): void {
    this.candidates.clear();
    this.reflexive.clear();
    this.pending.clear();
    this.verified.clear();
    this.burstStart = null;
    this.upgradeAt = null;
    this.keepaliveAt = null;
    this.guesses = [];
    this.guessAt = null;
  }

  /**
   * Matches a verified pong to its ping; returns the path it proves, or
   * undefined for a stray txid. A pong that comes back from another address
   * than the ping went to proves only a one-way path (the peer's route
   * changed under it, e.g. mid-roam): its source becomes a candidate instead.
   */
  onPong(txid: Uint8Array, from: Endpoint, now: number): VerifiedPath | undefined {
    const key = Buffer.from(txid).toString("hex");
    const p = this.pending.get(key);
    if (p === undefined) return undefined;
    this.pending.delete(key);
    if (endpointKey(from) !== endpointKey(p.candidate.endpoint)) {
      this.stats.pongsElsewhere++;
      this.addReflexive(from, now);
      return undefined;
    }
    this.stats.pongsMatched++;
    const path: VerifiedPath = { endpoint: p.candidate.endpoint, origin: p.candidate.origin, rttMs: now - p.sentAt, lastPongAt: now };
    this.verified.set(endpointKey(path.endpoint), path);
    if (p.candidate.origin === "guess") this.addReflexive(path.endpoint, now);
    this.guesses = [];
    this.guessAt = null;
    return path;
  }

  /** The best verified path: lowest rank, then lowest RTT. */
  best(now: number): VerifiedPath | null {
    let best: VerifiedPath | null = null;
    for (const [key, v] of this.verified) {
      if (now - v.lastPongAt > PATH_TIMEOUT_MS) {
        this.verified.delete(key);
        continue;
      }
      if (best === null) {
        best = v;
        continue;
      }
      const d = originRank(v.origin) - originRank(best.origin);
      if (d < 0 || (d === 0 && v.rttMs < best.rttMs)) best = v;
    }
    return best;
  }

  /** Every verified path, for status. */
  paths(now: number): VerifiedPath[] {
    this.best(now);
    return [...this.verified.values()];
  }

  /** The pings due at `now`. Call again at nextDeadline(). */
  due(now: number): ProbeToSend[] {
    this.expirePending(now);
    const out: ProbeToSend[] = [];
    const all = [...this.candidates.values(), ...this.reflexive.values()];
    // Pinging changes no verified path, so the best one is the same throughout this call.
    const best = this.best(now);
    if (this.burstStart !== null) {
      const at = this.burstStart + (BURST_SCHEDULE_MS[this.burstStep] ?? Infinity);
      if (now >= at) {
        // Once the best possible kind is verified, the rest of the burst is noise.
        const targets = best !== null && originRank(best.origin) === 0 ? [] : all;
        for (const c of targets) out.push(this.ping(c, now));
        this.burstStep++;
        if (this.burstStep >= BURST_SCHEDULE_MS.length || targets.length === 0) {
          this.burstStart = null;
          this.upgradeAt = now + this.upgradeInterval;
        }
      }
    }
    if (this.guessAt !== null && now >= this.guessAt) {
      for (const to of this.guesses.splice(0, GUESSES_PER_STEP)) {
        out.push(this.ping({ endpoint: to, origin: "guess" }, now));
        this.stats.guessesSent++;
      }
      this.guessAt = this.guesses.length === 0 ? null : now + GUESS_STEP_MS;
    }
    if (this.burstStart === null && this.upgradeAt === null && all.length > 0 && best === null) {
      // The chosen path died (its keepalive probes went unanswered): look for another one, with backoff.
      this.upgradeAt = now;
    }
    if (this.burstStart === null && this.upgradeAt !== null && now >= this.upgradeAt) {
      const rank = best === null ? Infinity : originRank(best.origin);
      for (const c of all) if (originRank(c.origin) < rank || best === null) out.push(this.ping(c, now));
      this.upgradeInterval = Math.min(UPGRADE_PROBE_MAX_MS, this.upgradeInterval * 2);
      this.upgradeAt = rank === 0 ? null : now + this.upgradeInterval;
    }
    if (best === null) {
      this.keepaliveAt = null;
    } else if (this.keepaliveAt === null) {
      this.keepaliveAt = now + KEEPALIVE_PROBE_MS;
    } else if (now >= this.keepaliveAt) {
      if (!out.some((p) => endpointKey(p.to) === endpointKey(best.endpoint))) out.push(this.ping({ endpoint: best.endpoint, origin: best.origin }, now));
      this.keepaliveAt = now + KEEPALIVE_PROBE_MS;
    }
    return out;
  }

  nextDeadline(): number | null {
    const ds: number[] = [];
    if (this.burstStart !== null) ds.push(this.burstStart + (BURST_SCHEDULE_MS[this.burstStep] ?? 0));
    if (this.guessAt !== null) ds.push(this.guessAt);
    if (this.upgradeAt !== null) ds.push(this.upgradeAt);
    if (this.keepaliveAt !== null) ds.push(this.keepaliveAt);
    return ds.length === 0 ? null : Math.min(...ds);
  }

  private ping(candidate: ProbeCandidate, now: number): ProbeToSend {
    const txid = this.random(TXID_LENGTH);
    if (this.pending.size >= MAX_PENDING) {
      const oldest = this.pending.keys().next().value;
      if (oldest !== undefined) this.pending.delete(oldest);
    }
    this.pending.set(Buffer.from(txid).toString("hex"), { candidate, sentAt: now });
    this.stats.pingsSent++;
    return { to: candidate.endpoint, txid };
  }

  private expirePending(now: number): void {
    for (const [key, p] of this.pending) {
      if (now - p.sentAt <= PENDING_TTL_MS) break; // insertion order = send order
      this.pending.delete(key);
    }
  }
}
