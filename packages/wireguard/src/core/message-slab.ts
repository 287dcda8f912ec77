// Zeroed memory for outgoing transport messages, carved from large chunks.
//
// A new Uint8Array per batch cost ~1.2 µs for one small message (V8 allocates
// and registers a zero-filled backing store each time), more than sealing it.
// A chunk is handed out front to back and never rewound, so every region is
// still zero when it is handed out (sealTransportInto relies on that for the
// padding) and a message someone still holds (a relay queue, a test's log)
// can never be overwritten: an exhausted chunk is simply left to the GC once
// the last view into it is gone.

/** Batches up to this size share chunks; larger ones (rare) get their own allocation. */
const CHUNK_BYTES = 256 * 1024;

export class MessageSlab {
  private chunk = new Uint8Array(0);
  private view = new DataView(this.chunk.buffer);
  private used = 0;

  /** `bytes` zeroed bytes nobody else has been given; `dataView` then covers their buffer. */
  take(bytes: number): Uint8Array {
    if (bytes > CHUNK_BYTES) {
      const own = new Uint8Array(bytes);
      this.view = new DataView(own.buffer);
      this.chunk = new Uint8Array(0);
      this.used = 0;
      return own;
    }
    if (this.used + bytes > this.chunk.length) {
      this.chunk = new Uint8Array(CHUNK_BYTES);
      this.view = new DataView(this.chunk.buffer);
      this.used = 0;
    }
    const region = this.chunk.subarray(this.used, this.used + bytes);
    this.used += bytes;
    return region;
  }

  /** A DataView over the buffer of the array the last take() returned. */
  get dataView(): DataView {
    return this.view;
  }
}
