// Receive-side replay protection per keypair (WIREGUARD.md §7): a sliding
// window over the 64-bit transport counters, RFC 6479 style, with the same
// acceptance set as the kernel and wireguard-go.
//
// The ring is 8192 bits like theirs, but kept as 256 words of 32 bits so every
// bit operation stays within JS int32 arithmetic. That changes nothing
// observable: the explicit 8128 bound below is tighter than what either word
// size could alias, so both rings remember exactly the counters in the window.
//
// Counters arrive as two uint32 halves (a bigint per packet was an allocation
// per packet); a number fast path runs while counters are below 2^53, which is
// every counter a real keypair sees before REKEY_AFTER_MESSAGES, and bigint
// arithmetic takes over above that.

/** 2^64 - 2^13 - 1: no keypair may use a counter at or above this. */
export const REJECT_AFTER_MESSAGES = (1n << 64n) - (1n << 13n) - 1n;

const RING_BITS = 8192;
/** The kernel's and wireguard-go's usable window: one 64-bit block of the ring is always being recycled. */
export const REPLAY_WINDOW_SIZE = RING_BITS - 64;

const WORD_BITS = 32;
const WORDS = RING_BITS / WORD_BITS;
const WINDOW_BIG = BigInt(REPLAY_WINDOW_SIZE);
const WORD_BITS_BIG = BigInt(WORD_BITS);
const WORDS_BIG = BigInt(WORDS);

/** hi below this: hi·2^32 + lo is below 2^53, exact as a number. */
const SAFE_HI = 0x200000;
const TWO_32 = 0x1_0000_0000;

export class ReplayWindow {
  private readonly ring = new Uint32Array(WORDS);
  /** Highest counter accepted so far, while it is below 2^53. */
  private last = 0;
  /** Highest counter accepted once it has reached 2^53 (then `last` is unused). */
  private lastBig: bigint | null = null;

  /**
   * Validates and records a counter. Call only after the packet's AEAD tag
   * has verified: an unauthenticated packet must never move the window.
   * Returns false for a replay, a counter too far behind, or one at/after
   * REJECT_AFTER_MESSAGES.
   */
  check(counter: bigint): boolean {
    if (counter < 0n || counter >= REJECT_AFTER_MESSAGES) return false;
    return this.checkHalves(Number(counter >> 32n), Number(counter & 0xffffffffn));
  }

  /** check() for the counter hi·2^32 + lo (both uint32), as transport headers carry it. */
  checkHalves(hi: number, lo: number): boolean {
    if (this.lastBig === null && hi < SAFE_HI) return this.checkSmall(hi * TWO_32 + lo);
    return this.checkBig((BigInt(hi) << 32n) | BigInt(lo));
  }

  reset(): void {
    this.ring.fill(0);
    this.last = 0;
    this.lastBig = null;
  }

  private checkSmall(counter: number): boolean {
    const block = Math.floor(counter / WORD_BITS);
    if (counter > this.last) {
      const current = Math.floor(this.last / WORD_BITS);
      const advance = Math.min(block - current, WORDS);
      // Words the window slides onto still hold bits from a lap ago.
      for (let i = 1; i <= advance; i++) this.ring[(current + i) % WORDS] = 0;
      this.last = counter;
    } else if (this.last - counter > REPLAY_WINDOW_SIZE) {
      return false;
    }
    return this.testAndSet(block % WORDS, counter % WORD_BITS);
  }

  private checkBig(counter: bigint): boolean {
    if (counter < 0n || counter >= REJECT_AFTER_MESSAGES) return false;
    const last = this.lastBig ?? BigInt(this.last);
    const block = counter / WORD_BITS_BIG;
    if (counter > last) {
      const current = last / WORD_BITS_BIG;
      const advance = Number(block - current < WORDS_BIG ? block - current : WORDS_BIG);
      const start = Number(current % WORDS_BIG);
      for (let i = 1; i <= advance; i++) this.ring[(start + i) % WORDS] = 0;
      this.lastBig = counter;
    } else if (last - counter > WINDOW_BIG) {
      return false;
    }
    return this.testAndSet(Number(block % WORDS_BIG), Number(counter % WORD_BITS_BIG));
  }

  private testAndSet(word: number, bitIndex: number): boolean {
    const bit = (1 << bitIndex) >>> 0;
    const value = this.ring[word] ?? 0;
    if ((value & bit) !== 0) return false;
    this.ring[word] = value | bit;
    return true;
  }
}
