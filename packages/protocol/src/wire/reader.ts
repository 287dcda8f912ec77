// Bounds-checked cursor over untrusted bytes: every read either succeeds or
// throws DecodeError, so a truncated or lying length field can never read past
// the datagram.
import { DecodeError } from "./errors.js";

export class ByteReader {
  private offset = 0;
  private readonly view: DataView;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  get position(): number {
    return this.offset;
  }

  private need(n: number): void {
    if (n < 0 || this.offset + n > this.bytes.length) throw new DecodeError("truncated");
  }

  u8(): number {
    this.need(1);
    return this.view.getUint8(this.offset++);
  }

  u16(): number {
    this.need(2);
    const v = this.view.getUint16(this.offset);
    this.offset += 2;
    return v;
  }

  u64(): bigint {
    this.need(8);
    const v = this.view.getBigUint64(this.offset);
    this.offset += 8;
    return v;
  }

  /** A view into the input (no copy). */
  bytesView(n: number): Uint8Array {
    this.need(n);
    const v = this.bytes.subarray(this.offset, this.offset + n);
    this.offset += n;
    return v;
  }

  rest(): Uint8Array {
    return this.bytesView(this.remaining);
  }

  expectEnd(): void {
    if (this.remaining !== 0) throw new DecodeError("trailing bytes");
  }
}
