// Bounded port guessing for one easy and one hard NAT (DESIGN.md: "bounded
// birthday-paradox probing"). The peer behind an endpoint-dependent NAT gets a
// fresh, unpredictable public port for its pings to us; we can only reach it by
// sending to ports of its public address until one matches. The budget is
// fixed (at most 256 ports per round) and the rate limited, so a failed round
// costs the network a few kilobytes, not a port scan.
import type { RandomSource } from "../time/clock.js";

export const BIRTHDAY_MAX_PORTS = 256;

/** Distinct ports to try, the observed one's neighbours first (sequential allocators), then random ones. */
export function guessPorts(observedPort: number, count: number, random: RandomSource): number[] {
  const n = Math.min(count, BIRTHDAY_MAX_PORTS);
  const out = new Set<number>();
  for (let d = 1; d <= 8 && out.size < n; d++) {
    for (const p of [observedPort + d, observedPort - d]) if (p >= 1024 && p <= 65535 && out.size < n) out.add(p);
  }
  let guard = 0;
  while (out.size < n && guard++ < n * 20) {
    const b = random(2);
    const p = 1024 + ((((b[0] ?? 0) << 8) | (b[1] ?? 0)) % (65536 - 1024));
    if (p !== observedPort) out.add(p);
  }
  return [...out];
}
