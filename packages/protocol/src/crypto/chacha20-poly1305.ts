// RFC 8439 ChaCha20-Poly1305 in plain JavaScript, for the protocol's small
// messages (REGISTER, ACK, PUSH, sealed candidate lists: all under 1 KiB).
// node:crypto spends about ten microseconds of fixed setup per call (an
// OpenSSL 3 cipher fetch and context per createCipheriv) before it touches a
// byte; at these sizes that is more than this whole computation, and
// @noble/ciphers is slower still (its per-call wrapper and checks dominate).
// primitives.ts picks this or OpenSSL by message size.
//
// Constant time by construction: only 32-bit additions, xors, rotations and
// small multiplications, no branch or index that depends on a key, a
// plaintext or a tag. Checked against OpenSSL on random inputs and against
// RFC 8439's vectors (packages/protocol/test/chacha20-poly1305.test.ts).
//
// Module-level scratch buffers are safe: JavaScript runs this synchronously
// to the end, and each worker thread has its own module instance.

const TAG_LENGTH = 16;

/**
 * The 64-byte keystream block being used, written as 16 words (one typed
 * store each instead of four byte stores) and read as bytes. Where the
 * platform is big-endian the words are stored byte by byte instead.
 */
const ksWords = new Int32Array(16);
const ks = new Uint8Array(ksWords.buffer);
const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;
/** Key and nonce as little-endian words. */
const kw = new Int32Array(8);
const nw = new Int32Array(3);
/** Poly1305 state between calls of polyBlocks: h (10 limbs of 13 bits), r (10 limbs), s (8 16-bit words). */
const ph = new Int32Array(10);
const pr = new Int32Array(10);
const ps = new Int32Array(8);
/** A zero-padded partial block, and the final lengths block. */
const pad = new Uint8Array(16);
const tag = new Uint8Array(TAG_LENGTH);

const le32 = (b: Uint8Array, o: number): number => b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24);

function loadKeyNonce(key: Uint8Array, nonce: Uint8Array): void {
  for (let i = 0; i < 8; i++) kw[i] = le32(key, 4 * i);
  for (let i = 0; i < 3; i++) nw[i] = le32(nonce, 4 * i);
}

function store32(i: number, v: number): void {
  if (LITTLE_ENDIAN) {
    ksWords[i] = v;
    return;
  }
  const o = 4 * i;
  ks[o] = v;
  ks[o + 1] = v >>> 8;
  ks[o + 2] = v >>> 16;
  ks[o + 3] = v >>> 24;
}

/** One ChaCha20 block (20 rounds) for the loaded key and nonce into `ks`. */
function chachaBlock(counter: number): void {
  const j4 = kw[0]!, j5 = kw[1]!, j6 = kw[2]!, j7 = kw[3]!, j8 = kw[4]!, j9 = kw[5]!, j10 = kw[6]!, j11 = kw[7]!;
  const j12 = counter | 0, j13 = nw[0]!, j14 = nw[1]!, j15 = nw[2]!;
  let x0 = 0x61707865, x1 = 0x3320646e, x2 = 0x79622d32, x3 = 0x6b206574;
  let x4 = j4, x5 = j5, x6 = j6, x7 = j7, x8 = j8, x9 = j9, x10 = j10, x11 = j11, x12 = j12, x13 = j13, x14 = j14, x15 = j15;
  for (let i = 0; i < 10; i++) {
    // Columns.
    x0 = (x0 + x4) | 0; x12 ^= x0; x12 = (x12 << 16) | (x12 >>> 16);
    x8 = (x8 + x12) | 0; x4 ^= x8; x4 = (x4 << 12) | (x4 >>> 20);
    x0 = (x0 + x4) | 0; x12 ^= x0; x12 = (x12 << 8) | (x12 >>> 24);
    x8 = (x8 + x12) | 0; x4 ^= x8; x4 = (x4 << 7) | (x4 >>> 25);
    x1 = (x1 + x5) | 0; x13 ^= x1; x13 = (x13 << 16) | (x13 >>> 16);
    x9 = (x9 + x13) | 0; x5 ^= x9; x5 = (x5 << 12) | (x5 >>> 20);
    x1 = (x1 + x5) | 0; x13 ^= x1; x13 = (x13 << 8) | (x13 >>> 24);
    x9 = (x9 + x13) | 0; x5 ^= x9; x5 = (x5 << 7) | (x5 >>> 25);
    x2 = (x2 + x6) | 0; x14 ^= x2; x14 = (x14 << 16) | (x14 >>> 16);
    x10 = (x10 + x14) | 0; x6 ^= x10; x6 = (x6 << 12) | (x6 >>> 20);
    x2 = (x2 + x6) | 0; x14 ^= x2; x14 = (x14 << 8) | (x14 >>> 24);
    x10 = (x10 + x14) | 0; x6 ^= x10; x6 = (x6 << 7) | (x6 >>> 25);
    x3 = (x3 + x7) | 0; x15 ^= x3; x15 = (x15 << 16) | (x15 >>> 16);
    x11 = (x11 + x15) | 0; x7 ^= x11; x7 = (x7 << 12) | (x7 >>> 20);
    x3 = (x3 + x7) | 0; x15 ^= x3; x15 = (x15 << 8) | (x15 >>> 24);
    x11 = (x11 + x15) | 0; x7 ^= x11; x7 = (x7 << 7) | (x7 >>> 25);
    // Diagonals.
    x0 = (x0 + x5) | 0; x15 ^= x0; x15 = (x15 << 16) | (x15 >>> 16);
    x10 = (x10 + x15) | 0; x5 ^= x10; x5 = (x5 << 12) | (x5 >>> 20);
    x0 = (x0 + x5) | 0; x15 ^= x0; x15 = (x15 << 8) | (x15 >>> 24);
    x10 = (x10 + x15) | 0; x5 ^= x10; x5 = (x5 << 7) | (x5 >>> 25);
    x1 = (x1 + x6) | 0; x12 ^= x1; x12 = (x12 << 16) | (x12 >>> 16);
    x11 = (x11 + x12) | 0; x6 ^= x11; x6 = (x6 << 12) | (x6 >>> 20);
    x1 = (x1 + x6) | 0; x12 ^= x1; x12 = (x12 << 8) | (x12 >>> 24);
    x11 = (x11 + x12) | 0; x6 ^= x11; x6 = (x6 << 7) | (x6 >>> 25);
    x2 = (x2 + x7) | 0; x13 ^= x2; x13 = (x13 << 16) | (x13 >>> 16);
    x8 = (x8 + x13) | 0; x7 ^= x8; x7 = (x7 << 12) | (x7 >>> 20);
    x2 = (x2 + x7) | 0; x13 ^= x2; x13 = (x13 << 8) | (x13 >>> 24);
    x8 = (x8 + x13) | 0; x7 ^= x8; x7 = (x7 << 7) | (x7 >>> 25);
    x3 = (x3 + x4) | 0; x14 ^= x3; x14 = (x14 << 16) | (x14 >>> 16);
    x9 = (x9 + x14) | 0; x4 ^= x9; x4 = (x4 << 12) | (x4 >>> 20);
    x3 = (x3 + x4) | 0; x14 ^= x3; x14 = (x14 << 8) | (x14 >>> 24);
    x9 = (x9 + x14) | 0; x4 ^= x9; x4 = (x4 << 7) | (x4 >>> 25);
  }
  store32(0, x0 + 0x61707865);
  store32(1, x1 + 0x3320646e);
  store32(2, x2 + 0x79622d32);
  store32(3, x3 + 0x6b206574);
  store32(4, x4 + j4);
  store32(5, x5 + j5);
  store32(6, x6 + j6);
  store32(7, x7 + j7);
  store32(8, x8 + j8);
  store32(9, x9 + j9);
  store32(10, x10 + j10);
  store32(11, x11 + j11);
  store32(12, x12 + j12);
  store32(13, x13 + j13);
  store32(14, x14 + j14);
  store32(15, x15 + j15);
}

/** out[outOff..] = in[inOff..inOff+len] xor the keystream from block 1 on (block 0 keys Poly1305). */
function xorStream(input: Uint8Array, inOff: number, len: number, out: Uint8Array, outOff: number): void {
  for (let done = 0, counter = 1; done < len; counter++) {
    chachaBlock(counter);
    const n = len - done < 64 ? len - done : 64;
    for (let i = 0; i < n; i++) out[outOff + done + i] = input[inOff + done + i]! ^ ks[i]!;
    done += n;
  }
}

/** Poly1305 key from keystream block 0 (already in `ks`): r clamped, into 13-bit limbs; s as 16-bit words; h = 0. */
function polyInit(): void {
  ks[3]! &= 15; ks[7]! &= 15; ks[11]! &= 15; ks[15]! &= 15;
  ks[4]! &= 252; ks[8]! &= 252; ks[12]! &= 252;
  const t0 = ks[0]! | (ks[1]! << 8), t1 = ks[2]! | (ks[3]! << 8), t2 = ks[4]! | (ks[5]! << 8), t3 = ks[6]! | (ks[7]! << 8);
  const t4 = ks[8]! | (ks[9]! << 8), t5 = ks[10]! | (ks[11]! << 8), t6 = ks[12]! | (ks[13]! << 8), t7 = ks[14]! | (ks[15]! << 8);
  pr[0] = t0 & 0x1fff;
  pr[1] = ((t0 >>> 13) | (t1 << 3)) & 0x1fff;
  pr[2] = ((t1 >>> 10) | (t2 << 6)) & 0x1fff;
  pr[3] = ((t2 >>> 7) | (t3 << 9)) & 0x1fff;
  pr[4] = ((t3 >>> 4) | (t4 << 12)) & 0x1fff;
  pr[5] = (t4 >>> 1) & 0x1fff;
  pr[6] = ((t4 >>> 14) | (t5 << 2)) & 0x1fff;
  pr[7] = ((t5 >>> 11) | (t6 << 5)) & 0x1fff;
  pr[8] = ((t6 >>> 8) | (t7 << 8)) & 0x1fff;
  pr[9] = (t7 >>> 5) & 0x1fff;
  for (let i = 0; i < 8; i++) ps[i] = ks[16 + 2 * i]! | (ks[17 + 2 * i]! << 8);
  ph.fill(0);
}

/**
 * Absorbs `n` full 16-byte blocks of m from `off`, each with the 2^128 bit
 * set (the AEAD pads every segment to whole blocks). h*r mod 2^130-5 with
 * ten 13-bit limbs keeps every product below 2^30 and every half-sum of
 * five below 2^32, so plain Number arithmetic is exact.
 */
function polyBlocks(m: Uint8Array, off: number, n: number): void {
  const r0 = pr[0]!, r1 = pr[1]!, r2 = pr[2]!, r3 = pr[3]!, r4 = pr[4]!, r5 = pr[5]!, r6 = pr[6]!, r7 = pr[7]!, r8 = pr[8]!, r9 = pr[9]!;
  const s1 = 5 * r1, s2 = 5 * r2, s3 = 5 * r3, s4 = 5 * r4, s5 = 5 * r5, s6 = 5 * r6, s7 = 5 * r7, s8 = 5 * r8, s9 = 5 * r9;
  let h0 = ph[0]!, h1 = ph[1]!, h2 = ph[2]!, h3 = ph[3]!, h4 = ph[4]!, h5 = ph[5]!, h6 = ph[6]!, h7 = ph[7]!, h8 = ph[8]!, h9 = ph[9]!;
  for (let b = 0; b < n; b++, off += 16) {
    const t0 = m[off]! | (m[off + 1]! << 8), t1 = m[off + 2]! | (m[off + 3]! << 8), t2 = m[off + 4]! | (m[off + 5]! << 8);
    const t3 = m[off + 6]! | (m[off + 7]! << 8), t4 = m[off + 8]! | (m[off + 9]! << 8), t5 = m[off + 10]! | (m[off + 11]! << 8);
    const t6 = m[off + 12]! | (m[off + 13]! << 8), t7 = m[off + 14]! | (m[off + 15]! << 8);
    h0 += t0 & 0x1fff;
    h1 += ((t0 >>> 13) | (t1 << 3)) & 0x1fff;
    h2 += ((t1 >>> 10) | (t2 << 6)) & 0x1fff;
    h3 += ((t2 >>> 7) | (t3 << 9)) & 0x1fff;
    h4 += ((t3 >>> 4) | (t4 << 12)) & 0x1fff;
    h5 += (t4 >>> 1) & 0x1fff;
    h6 += ((t4 >>> 14) | (t5 << 2)) & 0x1fff;
    h7 += ((t5 >>> 11) | (t6 << 5)) & 0x1fff;
    h8 += ((t6 >>> 8) | (t7 << 8)) & 0x1fff;
    h9 += (t7 >>> 5) | (1 << 11);

    let c = 0;
    let d0 = c + h0 * r0 + h1 * s9 + h2 * s8 + h3 * s7 + h4 * s6;
    c = d0 >>> 13; d0 &= 0x1fff;
    d0 += h5 * s5 + h6 * s4 + h7 * s3 + h8 * s2 + h9 * s1;
    c += d0 >>> 13; d0 &= 0x1fff;
    let d1 = c + h0 * r1 + h1 * r0 + h2 * s9 + h3 * s8 + h4 * s7;
    c = d1 >>> 13; d1 &= 0x1fff;
    d1 += h5 * s6 + h6 * s5 + h7 * s4 + h8 * s3 + h9 * s2;
    c += d1 >>> 13; d1 &= 0x1fff;
    let d2 = c + h0 * r2 + h1 * r1 + h2 * r0 + h3 * s9 + h4 * s8;
    c = d2 >>> 13; d2 &= 0x1fff;
    d2 += h5 * s7 + h6 * s6 + h7 * s5 + h8 * s4 + h9 * s3;
    c += d2 >>> 13; d2 &= 0x1fff;
    let d3 = c + h0 * r3 + h1 * r2 + h2 * r1 + h3 * r0 + h4 * s9;
    c = d3 >>> 13; d3 &= 0x1fff;
    d3 += h5 * s8 + h6 * s7 + h7 * s6 + h8 * s5 + h9 * s4;
    c += d3 >>> 13; d3 &= 0x1fff;
    let d4 = c + h0 * r4 + h1 * r3 + h2 * r2 + h3 * r1 + h4 * r0;
    c = d4 >>> 13; d4 &= 0x1fff;
    d4 += h5 * s9 + h6 * s8 + h7 * s7 + h8 * s6 + h9 * s5;
    c += d4 >>> 13; d4 &= 0x1fff;
    let d5 = c + h0 * r5 + h1 * r4 + h2 * r3 + h3 * r2 + h4 * r1;
    c = d5 >>> 13; d5 &= 0x1fff;
    d5 += h5 * r0 + h6 * s9 + h7 * s8 + h8 * s7 + h9 * s6;
    c += d5 >>> 13; d5 &= 0x1fff;
    let d6 = c + h0 * r6 + h1 * r5 + h2 * r4 + h3 * r3 + h4 * r2;
    c = d6 >>> 13; d6 &= 0x1fff;
    d6 += h5 * r1 + h6 * r0 + h7 * s9 + h8 * s8 + h9 * s7;
    c += d6 >>> 13; d6 &= 0x1fff;
    let d7 = c + h0 * r7 + h1 * r6 + h2 * r5 + h3 * r4 + h4 * r3;
    c = d7 >>> 13; d7 &= 0x1fff;
    d7 += h5 * r2 + h6 * r1 + h7 * r0 + h8 * s9 + h9 * s8;
    c += d7 >>> 13; d7 &= 0x1fff;
    let d8 = c + h0 * r8 + h1 * r7 + h2 * r6 + h3 * r5 + h4 * r4;
    c = d8 >>> 13; d8 &= 0x1fff;
    d8 += h5 * r3 + h6 * r2 + h7 * r1 + h8 * r0 + h9 * s9;
    c += d8 >>> 13; d8 &= 0x1fff;
    let d9 = c + h0 * r9 + h1 * r8 + h2 * r7 + h3 * r6 + h4 * r5;
    c = d9 >>> 13; d9 &= 0x1fff;
    d9 += h5 * r4 + h6 * r3 + h7 * r2 + h8 * r1 + h9 * r0;
    c += d9 >>> 13; d9 &= 0x1fff;

    // 2^130 = 5 (mod p): the carry out of the top limb comes back in at the bottom.
    c = ((c << 2) + c) | 0;
    c = (c + d0) | 0;
    d0 = c & 0x1fff;
    c = c >>> 13;
    d1 += c;
    h0 = d0; h1 = d1; h2 = d2; h3 = d3; h4 = d4; h5 = d5; h6 = d6; h7 = d7; h8 = d8; h9 = d9;
  }
  ph[0] = h0; ph[1] = h1; ph[2] = h2; ph[3] = h3; ph[4] = h4; ph[5] = h5; ph[6] = h6; ph[7] = h7; ph[8] = h8; ph[9] = h9;
}

/** Absorbs m[off..off+len] padded with zeros to whole blocks. */
function polySegment(m: Uint8Array, off: number, len: number): void {
  const full = len >>> 4;
  if (full > 0) polyBlocks(m, off, full);
  const rest = len & 15;
  if (rest === 0) return;
  pad.fill(0);
  for (let i = 0; i < rest; i++) pad[i] = m[off + 16 * full + i]!;
  polyBlocks(pad, 0, 1);
}

/** The length block, full reduction mod 2^130-5, + s; the tag lands in `tag`. */
function polyFinish(aadLen: number, ctLen: number): void {
  pad.fill(0);
  // Lengths are below 2^32 here (callers' messages are small), little-endian 64-bit.
  pad[0] = aadLen; pad[1] = aadLen >>> 8; pad[2] = aadLen >>> 16; pad[3] = aadLen >>> 24;
  pad[8] = ctLen; pad[9] = ctLen >>> 8; pad[10] = ctLen >>> 16; pad[11] = ctLen >>> 24;
  polyBlocks(pad, 0, 1);

  let h0 = ph[0]!, h1 = ph[1]!, h2 = ph[2]!, h3 = ph[3]!, h4 = ph[4]!, h5 = ph[5]!, h6 = ph[6]!, h7 = ph[7]!, h8 = ph[8]!, h9 = ph[9]!;
  let c = h1 >>> 13; h1 &= 0x1fff;
  h2 += c; c = h2 >>> 13; h2 &= 0x1fff;
  h3 += c; c = h3 >>> 13; h3 &= 0x1fff;
  h4 += c; c = h4 >>> 13; h4 &= 0x1fff;
  h5 += c; c = h5 >>> 13; h5 &= 0x1fff;
  h6 += c; c = h6 >>> 13; h6 &= 0x1fff;
  h7 += c; c = h7 >>> 13; h7 &= 0x1fff;
  h8 += c; c = h8 >>> 13; h8 &= 0x1fff;
  h9 += c; c = h9 >>> 13; h9 &= 0x1fff;
  h0 += c * 5; c = h0 >>> 13; h0 &= 0x1fff;
  h1 += c; c = h1 >>> 13; h1 &= 0x1fff;
  h2 += c;

  // g = h + 5 - 2^130; the carry out of g9's 13 bits says h >= p, in which case g is h mod p.
  let g0 = h0 + 5; c = g0 >>> 13; g0 &= 0x1fff;
  let g1 = h1 + c; c = g1 >>> 13; g1 &= 0x1fff;
  let g2 = h2 + c; c = g2 >>> 13; g2 &= 0x1fff;
  let g3 = h3 + c; c = g3 >>> 13; g3 &= 0x1fff;
  let g4 = h4 + c; c = g4 >>> 13; g4 &= 0x1fff;
  let g5 = h5 + c; c = g5 >>> 13; g5 &= 0x1fff;
  let g6 = h6 + c; c = g6 >>> 13; g6 &= 0x1fff;
  let g7 = h7 + c; c = g7 >>> 13; g7 &= 0x1fff;
  let g8 = h8 + c; c = g8 >>> 13; g8 &= 0x1fff;
  let g9 = h9 + c; c = g9 >>> 13; g9 &= 0x1fff;
  const useG = -c; // all ones when h >= p, else zero
  const useH = ~useG;
  h0 = (h0 & useH) | (g0 & useG); h1 = (h1 & useH) | (g1 & useG); h2 = (h2 & useH) | (g2 & useG);
  h3 = (h3 & useH) | (g3 & useG); h4 = (h4 & useH) | (g4 & useG); h5 = (h5 & useH) | (g5 & useG);
  h6 = (h6 & useH) | (g6 & useG); h7 = (h7 & useH) | (g7 & useG); h8 = (h8 & useH) | (g8 & useG);
  h9 = (h9 & useH) | (g9 & useG);

  // 130 bits in 13-bit limbs to 128 bits in 16-bit words (bits 128, 129 drop: the tag is mod 2^128).
  const w0 = (h0 | (h1 << 13)) & 0xffff;
  const w1 = ((h1 >>> 3) | (h2 << 10)) & 0xffff;
  const w2 = ((h2 >>> 6) | (h3 << 7)) & 0xffff;
  const w3 = ((h3 >>> 9) | (h4 << 4)) & 0xffff;
  const w4 = ((h4 >>> 12) | (h5 << 1) | (h6 << 14)) & 0xffff;
  const w5 = ((h6 >>> 2) | (h7 << 11)) & 0xffff;
  const w6 = ((h7 >>> 5) | (h8 << 8)) & 0xffff;
  const w7 = ((h8 >>> 8) | (h9 << 5)) & 0xffff;
  let f = w0 + ps[0]!;
  tag[0] = f; tag[1] = f >>> 8;
  f = w1 + ps[1]! + (f >>> 16); tag[2] = f; tag[3] = f >>> 8;
  f = w2 + ps[2]! + (f >>> 16); tag[4] = f; tag[5] = f >>> 8;
  f = w3 + ps[3]! + (f >>> 16); tag[6] = f; tag[7] = f >>> 8;
  f = w4 + ps[4]! + (f >>> 16); tag[8] = f; tag[9] = f >>> 8;
  f = w5 + ps[5]! + (f >>> 16); tag[10] = f; tag[11] = f >>> 8;
  f = w6 + ps[6]! + (f >>> 16); tag[12] = f; tag[13] = f >>> 8;
  f = w7 + ps[7]! + (f >>> 16); tag[14] = f; tag[15] = f >>> 8;
}

/** ciphertext || tag. `key` 32 bytes, `nonce` 12 bytes (the caller checks). */
export function chacha20Poly1305Seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
  const len = plaintext.length;
  const out = new Uint8Array(len + TAG_LENGTH);
  loadKeyNonce(key, nonce);
  chachaBlock(0);
  polyInit();
  xorStream(plaintext, 0, len, out, 0);
  polySegment(aad, 0, aad.length);
  polySegment(out, 0, len);
  polyFinish(aad.length, len);
  out.set(tag, len);
  return out;
}

/** The plaintext, or undefined when the tag does not authenticate (nothing is decrypted then). */
export function chacha20Poly1305Open(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array | undefined {
  if (sealed.length < TAG_LENGTH) return undefined;
  const len = sealed.length - TAG_LENGTH;
  loadKeyNonce(key, nonce);
  chachaBlock(0);
  polyInit();
  polySegment(aad, 0, aad.length);
  polySegment(sealed, 0, len);
  polyFinish(aad.length, len);
  let diff = 0;
  for (let i = 0; i < TAG_LENGTH; i++) diff |= tag[i]! ^ sealed[len + i]!;
  if (diff !== 0) return undefined;
  const out = new Uint8Array(len);
  xorStream(sealed, 0, len, out, 0);
  return out;
}
