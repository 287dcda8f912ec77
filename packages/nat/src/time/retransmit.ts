// Retransmission schedules of the three request/response protocols. A
// schedule answers "after send number n (0-based), how long do we wait before
// the next send?"; undefined means that send was the last and the wait before
// giving up is `finalWaitMs`.
import { randomUnit, type RandomSource } from "./clock.js";

export interface RetransmitSchedule {
  /** Wait after send `attempt` before sending again, or undefined when that was the last send. */
  waitAfter(attempt: number): number | undefined;
  /** How long to wait for an answer after the last send before failing. */
  finalWaitMs(): number;
}

/** RFC 5389 §7.2.1: RTO doubling, Rc sends, then Rm*RTO for the last one. */
export function stunSchedule(rtoMs = 500, rc = 7, rm = 16): RetransmitSchedule {
  return {
    waitAfter: (attempt) => (attempt + 1 < rc ? rtoMs * 2 ** attempt : undefined),
    finalWaitMs: () => rm * rtoMs,
  };
}

/** RFC 6886 §3.1: 250 ms doubling, 9 tries (the 9th waits 64 s before giving up). */
export function natPmpSchedule(initialMs = 250, tries = 9): RetransmitSchedule {
  return {
    waitAfter: (attempt) => (attempt + 1 < tries ? initialMs * 2 ** attempt : undefined),
    finalWaitMs: () => initialMs * 2 ** (tries - 1),
  };
}

/**
 * RFC 6887 §8.1.1: IRT 3 s, MRT 1024 s, each RT = 2*RTprev + RAND*RTprev with
 * RAND in [-0.1, +0.1]. The RFC allows retrying forever (MRC = 0); a caller
 * that must fall back to another protocol bounds the total with `maxDurationMs`.
 */
export function pcpSchedule(random: RandomSource, maxDurationMs = Infinity, irtMs = 3000, mrtMs = 1024_000): RetransmitSchedule {
  const rts: number[] = [];
  const jitter = (): number => randomUnit(random) * 0.2 - 0.1;
  const rt = (attempt: number): number => {
    while (rts.length <= attempt) {
      const prev = rts[rts.length - 1];
      let next = prev === undefined ? (1 + jitter()) * irtMs : 2 * prev + jitter() * prev;
      if (next > mrtMs) next = (1 + jitter()) * mrtMs;
      rts.push(next);
    }
    return rts[attempt] ?? irtMs;
  };
  const startOf = (attempt: number): number => {
    let sum = 0;
    for (let i = 0; i < attempt; i++) sum += rt(i);
    return sum;
  };
  let last = 0;
  return {
    waitAfter: (attempt) => {
      if (startOf(attempt) + rt(attempt) >= maxDurationMs) {
        last = attempt;
        return undefined;
      }
      return rt(attempt);
    },
    finalWaitMs: () => Math.max(0, maxDurationMs - startOf(last)),
  };
}

/**
 * Sans-IO retransmission state: tells the caller when to (re)send and when to
 * give up. The caller owns the timer and calls `onTimer(now)` at `deadline`.
 */
export class Retransmitter {
  private attempt = 0;
  private deadlineMs: number;
  private finished = false;

  constructor(private readonly schedule: RetransmitSchedule, startMs: number) {
    this.deadlineMs = startMs + this.currentWait();
  }

  private currentWait(): number {
    const w = this.schedule.waitAfter(this.attempt);
    return w ?? this.schedule.finalWaitMs();
  }

  /** Time at which `onTimer` must be called next. */
  get deadline(): number {
    return this.deadlineMs;
  }

  /** Number of sends so far (the first one counts). */
  get sends(): number {
    return this.attempt + 1;
  }

  /** "resend" when the caller must send the request again, "give-up" when the schedule is exhausted. */
  onTimer(nowMs: number): "resend" | "give-up" | "wait" {
    if (this.finished) return "give-up";
    if (nowMs < this.deadlineMs) return "wait";
    if (this.schedule.waitAfter(this.attempt) === undefined) {
      this.finished = true;
      return "give-up";
    }
    this.attempt++;
    this.deadlineMs = nowMs + this.currentWait();
    return "resend";
  }
}
