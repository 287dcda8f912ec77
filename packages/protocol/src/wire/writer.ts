// Append-only encoder into a fixed-size buffer sized by the caller, so an
// encoder can never silently produce something longer than the spec allows.
export class ByteWriter {
  private offset = 0;
  readonly bytes: Uint8Array;
  private readonly view: DataView;

  constructor(size: number) {
    this.bytes = new Uint8Array(size);
    this.view = new DataView(this.bytes.buffer);
  }

  get length(): number {
    return this.offset;
  }

  u8(v: number): this {
    this.view.setUint8(this.offset, v);
    this.offset += 1;
    return this;
  }

  u16(v: number): this {
    this.view.setUint16(this.offset, v);
    this.offset += 2;
    return this;
  }

  u64(v: bigint): this {
    this.view.setBigUint64(this.offset, v);
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
