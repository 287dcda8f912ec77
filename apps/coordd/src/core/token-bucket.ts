// Token buckets for rate limits and relay bandwidth caps. Time comes in as
// milliseconds from the caller (sans-IO), never from a clock read here.
import { ResumableScan } from "./resumable-scan.js";

export class TokenBucket {
  private tokens: number;
  private lastMs: number;

  constructor(private readonly ratePerSecond: number, private readonly burst: number, nowMs: number) {
    this.tokens = burst;
    this.lastMs = nowMs;
  }

  take(amount: number, nowMs: number): boolean {
    if (nowMs > this.lastMs) {
      this.tokens = Math.min(this.burst, this.tokens + ((nowMs - this.lastMs) * this.ratePerSecond) / 1000);
      this.lastMs = nowMs;
    }
    if (this.tokens < amount) return false;
    this.tokens -= amount;
    return true;
  }

  get idleSinceMs(): number {
    return this.lastMs;
  }
}

/**
 * One bucket per source key (an IP address), created on first sight and
 * swept when idle, with a hard cap on how many are tracked so a spoofed
 * flood of source addresses cannot grow memory without bound.
 */
export class SourceLimiter {
  private readonly buckets = new Map<string, TokenBucket>();
  /** Sources currently over their limit (counted once per episode). */
  private readonly limited = new Set<string>();
  private readonly scan = new ResumableScan(this.buckets);

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly maxTracked: number,
  ) {}

  /** Returns "ok", "limited", or "newly-limited" (the first refusal of an episode). */
  allow(key: string, nowMs: number): "ok" | "limited" | "newly-limited" {
    let b = this.buckets.get(key);
    if (b === undefined) {
      if (this.buckets.size >= this.maxTracked) return "limited";
      b = new TokenBucket(this.ratePerSecond, this.burst, nowMs);
      this.buckets.set(key, b);
    }
    if (b.take(1, nowMs)) {
      if (this.limited.size > 0) this.limited.delete(key);
      return "ok";
    }
    if (this.limited.has(key)) return "limited";
    this.limited.add(key);
    return "newly-limited";
  }

  /** Forgets sources idle for `idleMs`, looking at up to `budget` of them from where the last call stopped. */
  sweep(nowMs: number, idleMs: number, budget = Infinity): void {
    this.scan.step(budget, (b, k) => {
      if (nowMs - b.idleSinceMs > idleMs) {
        this.buckets.delete(k);
        this.limited.delete(k);
      }
    });
  }

  get tracked(): number {
    return this.buckets.size;
  }
}
