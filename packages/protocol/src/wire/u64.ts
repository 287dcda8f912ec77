// Big-endian 64-bit counters without a DataView per call: counters stay below
// 2^32 in practice (one per message of a session), so the common case is one
// 32-bit store or load and one small BigInt.
export function writeU64(out: Uint8Array, at: number, v: bigint): void {
  let hi = 0;
  let lo: number;
  if (v >= 0n && v <= 0xffffffffn) {
    lo = Number(v);
  } else {
    hi = Number(BigInt.asUintN(64, v) >> 32n);
    lo = Number(BigInt.asUintN(32, v));
  }
  out[at] = hi >>> 24;
  out[at + 1] = hi >>> 16;
  out[at + 2] = hi >>> 8;
  out[at + 3] = hi;
  out[at + 4] = lo >>> 24;
  out[at + 5] = lo >>> 16;
  out[at + 6] = lo >>> 8;
  out[at + 7] = lo;
}

export function readU64(d: Uint8Array, at: number): bigint {
  const hi = (((d[at] ?? 0) << 24) | ((d[at + 1] ?? 0) << 16) | ((d[at + 2] ?? 0) << 8) | (d[at + 3] ?? 0)) >>> 0;
  const lo = (((d[at + 4] ?? 0) << 24) | ((d[at + 5] ?? 0) << 16) | ((d[at + 6] ?? 0) << 8) | (d[at + 7] ?? 0)) >>> 0;
  return hi === 0 ? BigInt(lo) : (BigInt(hi) << 32n) | BigInt(lo);
}
