// Per-source rate limit for handshake messages under load (WIREGUARD.md §5,
// the kernel's ratelimiter.c and wireguard-go's ratelimiter/): a token bucket
// per source address, 20 packets/s with a burst of 5. IPv6 sources share a
// bucket per /64, since one host controls at least that much address space.
//
// Sans-IO: the clock is injected and idle entries are collected lazily from
// allow(), at most once a second. The table is capped so a flood of spoofed
// sources cannot grow memory without bound; when it is full even after
// collection, new sources are refused (as the kernel does) while known ones
// keep their buckets.

export const PACKETS_PER_SECOND = 20;
export const PACKETS_BURSTABLE = 5;
const PACKET_COST_MS = 1000 / PACKETS_PER_SECOND;
const MAX_TOKENS_MS = PACKET_COST_MS * PACKETS_BURSTABLE;
/** Entries idle this long are collected: by then their bucket is full again anyway. */
const IDLE_MS = 1000;
const GC_INTERVAL_MS = 1000;
export const DEFAULT_MAX_ENTRIES = 65536;

interface Bucket {
  lastTime: number;
  tokens: number;
}

export interface RateLimiterOptions {
  /** Upper bound on tracked sources; default 65536. */
  readonly maxEntries?: number;
}

export class HandshakeRateLimiter {
  private readonly buckets = new Map<number | string, Bucket>();
  private readonly maxEntries: number;
  private lastGc: number;

  constructor(
    private readonly now: () => number,
    options: RateLimiterOptions = {},
  ) {
    this.maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
    this.lastGc = now();
  }

  /** Number of sources currently tracked. */
  get size(): number {
    return this.buckets.size;
  }

  /** Whether one more handshake message from this source (4 or 16 address bytes) may be processed. */
  allow(sourceIp: Uint8Array): boolean {
    const key = bucketKey(sourceIp);
    if (key === null) return false;
    const now = this.now();
    if (now - this.lastGc >= GC_INTERVAL_MS) this.collect(now);

    const bucket = this.buckets.get(key);
    if (bucket === undefined) {
      if (this.buckets.size >= this.maxEntries) {
        this.collect(now);
        if (this.buckets.size >= this.maxEntries) return false;
      }
      // A new source starts with a full bucket and spends one packet now.
      this.buckets.set(key, { lastTime: now, tokens: MAX_TOKENS_MS - PACKET_COST_MS });
      return true;
    }
    // A clock that steps back must not mint tokens.
    const elapsed = Math.max(0, now - bucket.lastTime);
    bucket.tokens = Math.min(MAX_TOKENS_MS, bucket.tokens + elapsed);
    bucket.lastTime = now;
    if (bucket.tokens < PACKET_COST_MS) return false;
    bucket.tokens -= PACKET_COST_MS;
    return true;
  }

  private collect(now: number): void {
    this.lastGc = now;
    for (const [key, bucket] of this.buckets) if (now - bucket.lastTime >= IDLE_MS) this.buckets.delete(key);
  }
}

/** IPv4 (also IPv4-mapped IPv6) as a number; other IPv6 by its /64; null for anything else. */
function bucketKey(ip: Uint8Array): number | string | null {
  if (ip.length === 4) return ipv4Key(ip, 0);
  if (ip.length !== 16) return null;
  if (isV4Mapped(ip)) return ipv4Key(ip, 12);
  let key = "";
  for (let i = 0; i < 8; i++) key += String.fromCharCode(ip[i] ?? 0);
  return key;
}

function ipv4Key(ip: Uint8Array, at: number): number {
  return (((ip[at] ?? 0) << 24) | ((ip[at + 1] ?? 0) << 16) | ((ip[at + 2] ?? 0) << 8) | (ip[at + 3] ?? 0)) >>> 0;
}

function isV4Mapped(ip: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (ip[i] !== 0) return false;
  return ip[10] === 0xff && ip[11] === 0xff;
}
