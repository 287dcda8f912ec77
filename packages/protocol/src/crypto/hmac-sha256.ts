// HMAC-SHA256 (RFC 2104, FIPS 180-4) in plain JavaScript, with the keyed
// inner and outer states kept for the last few keys. The protocol MACs short
// inputs under long-lived keys (coordd's cookie secret on every REGISTER, a
// pair key for every rid and slot): two compressions per MAC once the key's
// pads are absorbed, against about four microseconds of OpenSSL 3 setup per
// createHmac call. Constant time: 32-bit arithmetic only, no secret-dependent
// branch or index (the key cache compares by identity, then by content with
// every byte looked at).

const K = Int32Array.from([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const IV = Int32Array.from([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);

const w = new Int32Array(64);

/** One SHA-256 compression of the 64 bytes at b[off..] into state. */
function compress(state: Int32Array, b: Uint8Array, off: number): void {
  for (let i = 0; i < 16; i++, off += 4) w[i] = (b[off]! << 24) | (b[off + 1]! << 16) | (b[off + 2]! << 8) | b[off + 3]!;
  for (let i = 16; i < 64; i++) {
    const x = w[i - 15]!, y = w[i - 2]!;
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) | 0;
  }
  let a = state[0]!, bb = state[1]!, c = state[2]!, d = state[3]!, e = state[4]!, f = state[5]!, g = state[6]!, h = state[7]!;
  for (let i = 0; i < 64; i++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + S1 + ((e & f) ^ (~e & g)) + K[i]! + w[i]!) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (S0 + ((a & bb) ^ (a & c) ^ (bb & c))) | 0;
    h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = bb; bb = a; a = (t1 + t2) | 0;
  }
  state[0] = (state[0]! + a) | 0; state[1] = (state[1]! + bb) | 0; state[2] = (state[2]! + c) | 0; state[3] = (state[3]! + d) | 0;
  state[4] = (state[4]! + e) | 0; state[5] = (state[5]! + f) | 0; state[6] = (state[6]! + g) | 0; state[7] = (state[7]! + h) | 0;
}

/** A SHA-256 computation that has absorbed `length` bytes; the last partial block waits in `block`. */
class Sha256 {
  readonly state = new Int32Array(8);
  readonly block = new Uint8Array(64);
  fill = 0;
  length = 0;

  reset(from: Int32Array, absorbed: number): this {
    this.state.set(from);
    this.fill = 0;
    this.length = absorbed;
    return this;
  }

  update(data: Uint8Array): void {
    let off = 0;
    const n = data.length;
    this.length += n;
    if (this.fill > 0) {
      const take = Math.min(64 - this.fill, n);
      this.block.set(data.subarray(0, take), this.fill);
      this.fill += take;
      off = take;
      if (this.fill < 64) return;
      compress(this.state, this.block, 0);
      this.fill = 0;
    }
    for (; off + 64 <= n; off += 64) compress(this.state, data, off);
    if (off < n) {
      this.block.set(data.subarray(off), 0);
      this.fill = n - off;
    }
  }

  /** ASCII goes in without an encoder; anything else through UTF-8 bytes. */
  updateText(s: string): void {
    for (let i = 0; i < s.length; i++) {
      if (s.charCodeAt(i) > 0x7f) {
        this.update(new TextEncoder().encode(s));
        return;
      }
    }
    for (let i = 0; i < s.length; i++) {
      this.block[this.fill++] = s.charCodeAt(i);
      this.length++;
      if (this.fill === 64) {
        compress(this.state, this.block, 0);
        this.fill = 0;
      }
    }
  }

  /** Pads, compresses and writes the 32-byte digest to out[off..]. */
  digestInto(out: Uint8Array, off: number): void {
    const bits = this.length * 8;
    const b = this.block;
    b[this.fill++] = 0x80;
    if (this.fill > 56) {
      b.fill(0, this.fill);
      compress(this.state, b, 0);
      this.fill = 0;
    }
    b.fill(0, this.fill, 56);
    // Message length in bits, big-endian 64-bit (inputs here are far below 2^53 bits).
    const hi = Math.floor(bits / 0x100000000);
    b[56] = hi >>> 24; b[57] = hi >>> 16; b[58] = hi >>> 8; b[59] = hi;
    b[60] = bits >>> 24; b[61] = bits >>> 16; b[62] = bits >>> 8; b[63] = bits;
    compress(this.state, b, 0);
    for (let i = 0; i < 8; i++) {
      const v = this.state[i]!;
      out[off + 4 * i] = v >>> 24; out[off + 4 * i + 1] = v >>> 16; out[off + 4 * i + 2] = v >>> 8; out[off + 4 * i + 3] = v;
    }
  }
}

/** The states after absorbing key^ipad and key^opad: what HMAC needs of a key. */
export interface HmacKey {
  readonly inner: Int32Array;
  readonly outer: Int32Array;
}

const scratch = new Sha256();
const padBlock = new Uint8Array(64);
const innerDigest = new Uint8Array(32);

export function hmacKey(key: Uint8Array): HmacKey {
  padBlock.fill(0);
  if (key.length > 64) {
    scratch.reset(IV, 0).update(key);
    scratch.digestInto(padBlock, 0);
  } else {
    padBlock.set(key);
  }
  for (let i = 0; i < 64; i++) padBlock[i]! ^= 0x36;
  const inner = Int32Array.from(IV);
  compress(inner, padBlock, 0);
  for (let i = 0; i < 64; i++) padBlock[i]! ^= 0x36 ^ 0x5c;
  const outer = Int32Array.from(IV);
  compress(outer, padBlock, 0);
  padBlock.fill(0);
  return { inner, outer };
}

/** HMAC(key, parts[0] || parts[1] || ...) into a new 32-byte array. */
export function hmacWith(k: HmacKey, parts: readonly (Uint8Array | string)[]): Uint8Array {
  const h = scratch.reset(k.inner, 64);
  for (const p of parts) {
    if (typeof p === "string") h.updateText(p);
    else h.update(p);
  }
  h.digestInto(innerDigest, 0);
  h.reset(k.outer, 64).update(innerDigest);
  const out = new Uint8Array(32);
  h.digestInto(out, 0);
  return out;
}

/**
 * The keyed states of the last few keys, found by identity and confirmed by
 * content (a caller may overwrite its key array): coordd's cookie secrets
 * and a pair's keys are reused for every MAC, HKDF's one-off keys just pass
 * through. Bounded, so key material does not pile up.
 */
const CACHE_SIZE = 4;
const cacheKeys: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(CACHE_SIZE);
const cacheCopies: Uint8Array[] = Array.from({ length: CACHE_SIZE }, () => new Uint8Array(0));
const cacheStates: (HmacKey | undefined)[] = new Array<HmacKey | undefined>(CACHE_SIZE);
let cacheNext = 0;

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

export function cachedHmacKey(key: Uint8Array): HmacKey {
  for (let i = 0; i < CACHE_SIZE; i++) {
    const state = cacheStates[i];
    if (cacheKeys[i] === key && state !== undefined && sameBytes(cacheCopies[i]!, key)) return state;
  }
  const state = hmacKey(key);
  const slot = cacheNext;
  cacheNext = (cacheNext + 1) % CACHE_SIZE;
  cacheCopies[slot]!.fill(0);
  cacheKeys[slot] = key;
  cacheCopies[slot] = Uint8Array.from(key);
  cacheStates[slot] = state;
  return state;
}
