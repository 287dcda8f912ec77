// coordd's address-bound cookies: the rotating secrets, and a memo of the
// cookie each source last proved it holds. A refreshing client sends the
// same cookie from the same address every 25 s; without the memo every one
// of those costs an HMAC per live secret. Only cookies that already matched
// are remembered (a spoofer cannot fill the memo without receiving cookies
// at the addresses it claims), the memo is per secret so a rotation drops
// exactly the entries of the secret that retired, and it is bounded.
import { computeCookie, cookieMatches, timingSafeEqualBytes } from "@plug/protocol";
import type { Source } from "./types.js";

interface Generation {
  readonly secret: Uint8Array;
  /** Source id -> the cookie that matched under this secret. */
  readonly proven: Map<string, Uint8Array>;
}

export class CookieJar {
  /** Newest first; the previous secret stays valid so a client never races the rotation. */
  private generations: Generation[];
  private rotatedMs: number;

  constructor(
    private readonly random: (n: number) => Uint8Array,
    private readonly rotationMs: number,
    private readonly maxRemembered: number,
    nowMs: number,
  ) {
    this.generations = [{ secret: random(32), proven: new Map() }];
    this.rotatedMs = nowMs;
  }

  rotate(nowMs: number): void {
    if (nowMs - this.rotatedMs < this.rotationMs) return;
    const current = this.generations[0];
    this.generations = current === undefined ? [{ secret: this.random(32), proven: new Map() }] : [{ secret: this.random(32), proven: new Map() }, current];
    this.rotatedMs = nowMs;
  }

  /** The cookie for `from` under the newest secret (what a COOKIE_REPLY carries). */
  issue(from: Source): Uint8Array {
    const g = this.generations[0];
    if (g === undefined) throw new Error("no cookie secret");
    return computeCookie(g.secret, from.endpoint, from.transport);
  }

  matches(from: Source, cookie: Uint8Array): boolean {
    for (const g of this.generations) {
      const known = g.proven.get(from.id);
      if (known !== undefined && timingSafeEqualBytes(known, cookie)) return true;
    }
    for (const g of this.generations) {
      if (!cookieMatches([g.secret], from.endpoint, from.transport, cookie)) continue;
      if (this.remembered() < this.maxRemembered) g.proven.set(from.id, cookie.slice());
      return true;
    }
    return false;
  }

  private remembered(): number {
    let n = 0;
    for (const g of this.generations) n += g.proven.size;
    return n;
  }
}
