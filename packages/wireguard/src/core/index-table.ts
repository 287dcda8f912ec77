// The device-wide receiver-index table (§6.2). Indices are random and unique;
// an entry is either a peer's pending handshake or one of its keypairs, and a
// lookup says which kinds it accepts (type 2: handshake, type 4: keypair,
// type 3: either). On key derivation the entry is converted in place.
import type { Keypair } from "../noise/keypair.js";

interface Entry<P> {
  readonly peer: P;
  keypair: Keypair | null;
}

export class IndexTable<P> {
  private readonly entries = new Map<number, Entry<P>>();

  constructor(private readonly randomBytes: (n: number) => Uint8Array) {}

  get size(): number {
    return this.entries.size;
  }

  newHandshakeIndex(peer: P): number {
    for (;;) {
      const b = this.randomBytes(4);
      const index = ((b[0] ?? 0) | ((b[1] ?? 0) << 8) | ((b[2] ?? 0) << 16) | ((b[3] ?? 0) << 24)) >>> 0;
      if (!this.entries.has(index)) {
        this.entries.set(index, { peer, keypair: null });
        return index;
      }
    }
  }

  lookupHandshake(index: number): P | undefined {
    const e = this.entries.get(index);
    return e !== undefined && e.keypair === null ? e.peer : undefined;
  }

  lookupKeypair(index: number): { peer: P; keypair: Keypair } | undefined {
    const e = this.entries.get(index);
    return e !== undefined && e.keypair !== null ? { peer: e.peer, keypair: e.keypair } : undefined;
  }

  lookupAny(index: number): P | undefined {
    return this.entries.get(index)?.peer;
  }

  /** The handshake's index becomes the keypair's (same number, §4.5). */
  convertToKeypair(index: number, keypair: Keypair): void {
    const e = this.entries.get(index);
    if (e !== undefined) e.keypair = keypair;
  }

  /** Removes a handshake entry only; a converted entry belongs to its keypair now. */
  deleteHandshake(index: number): void {
    const e = this.entries.get(index);
    if (e !== undefined && e.keypair === null) this.entries.delete(index);
  }

  deleteKeypair(keypair: Keypair): void {
    const e = this.entries.get(keypair.localIndex);
    if (e !== undefined && e.keypair === keypair) this.entries.delete(keypair.localIndex);
  }
}
