// The core's injected randomness, served from a pool the CSPRNG refills.
// Under load the core asks for 2 bytes of timer jitter per send batch, and
// node:crypto's randomBytes costs a call into OpenSSL and a new Buffer each
// time (1.3 % of plugd's profile for two bytes). Every byte is handed out
// once and then wiped from the pool, so a private key drawn from it exists
// only in the caller's copy.
import { randomFillSync } from "node:crypto";

const POOL_BYTES = 4096;

export class RandomPool {
  private readonly pool = new Uint8Array(POOL_BYTES);
  private offset = POOL_BYTES;

  readonly take = (n: number): Uint8Array => {
    if (n > POOL_BYTES) return randomFillSync(new Uint8Array(n));
    if (this.offset + n > POOL_BYTES) {
      randomFillSync(this.pool);
      this.offset = 0;
    }
    const out = this.pool.slice(this.offset, this.offset + n);
    this.pool.fill(0, this.offset, this.offset + n);
    this.offset += n;
    return out;
  };
}
