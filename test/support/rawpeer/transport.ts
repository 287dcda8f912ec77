// Transport data (WIREGUARD.md §3.4): padding to 16, a send counter, and a
// receive-side replay record. The raw peer only needs to notice duplicates from
// the daemon, so a set of seen counters stands in for the 8128-bit window.
import { encodeTransport, decodeMessage } from "./messages.js";
import { aeadOpen, aeadSeal } from "./primitives.js";
import type { Keypair } from "./handshake.js";

export function padTo16(packet: Uint8Array): Uint8Array {
  const padded = new Uint8Array(Math.ceil(packet.length / 16) * 16);
  padded.set(packet);
  return padded;
}

export interface OpenedTransport {
  readonly counter: bigint;
  /** Padded plaintext exactly as decrypted (its length shows the sender's padding). */
  readonly plaintext: Uint8Array;
  readonly replayed: boolean;
}

export class Session {
  sendCounter = 0n;
  private readonly seen = new Set<bigint>();

  constructor(readonly keypair: Keypair) {}

  /** Seals `packet` (padded to 16) with the next counter, or with `counter` to forge replays and gaps. */
  seal(packet: Uint8Array, counter?: bigint): Uint8Array {
    const n = counter ?? this.sendCounter++;
    const encryptedPacket = aeadSeal(this.keypair.sendKey, n, padTo16(packet), new Uint8Array(0));
    return encodeTransport({ receiver: this.keypair.remoteIndex, counter: n, encryptedPacket });
  }

  /** Null unless the message is transport data for this keypair that authenticates. */
  open(bytes: Uint8Array): OpenedTransport | null {
    const m = decodeMessage(bytes);
    if (!m || m.type !== 4 || m.receiver !== this.keypair.localIndex) return null;
    const plaintext = aeadOpen(this.keypair.recvKey, m.counter, m.encryptedPacket, new Uint8Array(0));
    if (!plaintext) return null;
    const replayed = this.seen.has(m.counter);
    this.seen.add(m.counter);
    return { counter: m.counter, plaintext, replayed };
  }
}
