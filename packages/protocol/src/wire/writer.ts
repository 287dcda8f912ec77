// Append-only encoder into a fixed-size buffer sized by the caller, so an
// encoder can never silently produce something longer than the spec allows.
// Plain index stores, no DataView: every ACK and PUSH is built with one, and
// the DataView and BigInt store were a visible share of a registration.
import { writeU64 } from "./u64.js";

export class ByteWriter {
  private offset = 0;
  readonly bytes: Uint8Array;

  /**
   * `into`: write into the first `size` bytes of this buffer instead of a new
   * one (for a body that is sealed at once and then dropped; the caller owns
   * the reuse).
   */
  constructor(size: number, into?: Uint8Array) {
    if (into !== undefined && into.length < size) throw new RangeError("ByteWriter: buffer smaller than size");
    this.bytes = into === undefined ? new Uint8Array(size) : into.subarray(0, size);
  }

  private room(n: number): void {
    if (this.offset + n > this.bytes.length) throw new RangeError("ByteWriter: write past the end");
  }

  get length(): number {
    return this.offset;
  }

  u8(v: number): this {
    this.room(1);
    this.bytes[this.offset++] = v;
    return this;
  }

  u16(v: number): this {
    this.room(2);
    this.bytes[this.offset++] = v >>> 8;
    this.bytes[this.offset++] = v;
    return this;
  }

  u64(v: bigint): this {
    this.room(8);
    writeU64(this.bytes, this.offset, v);
    this.offset += 8;
    return this;
  }

  put(b: Uint8Array): this {
    this.bytes.set(b, this.offset);
    this.offset += b.length;
    return this;
  }

  /** The written prefix (a view). */
  done(): Uint8Array {
    return this.bytes.subarray(0, this.offset);
  }
}
