// coordd's source of random bytes (cookie secrets, relay channel ids): the
// kernel CSPRNG through node:crypto, drawn 4 KiB at a time. A randomBytes()
// call costs about five microseconds of fixed overhead whatever its size,
// and coordd asks for 8 bytes per new pairing; handing out slices of one
// buffer makes that a copy. Every byte is handed out once.
import { randomFillSync } from "node:crypto";

const POOL_BYTES = 4096;

export function randomPool(): (n: number) => Uint8Array {
  const pool = new Uint8Array(POOL_BYTES);
  let used = POOL_BYTES;
  return (n: number): Uint8Array => {
    if (n > POOL_BYTES) return randomFillSync(new Uint8Array(n));
    if (used + n > POOL_BYTES) {
      randomFillSync(pool);
      used = 0;
    }
    const out = pool.slice(used, used + n);
    pool.fill(0, used, used + n);
    used += n;
    return out;
  };
}
