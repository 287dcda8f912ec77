// One transport session (§6.2): the two directional keys, the send counter,
// the receive replay window and the facts the rotation rules need.
import { createTransportAead, destroyTransportAead, type AeadHandle } from "@plug/fastpath";
import type { TransportKeys } from "./handshake.js";
import { REJECT_AFTER_MESSAGES } from "../replay/replay-window.js";
import type { SendCounterSource } from "./transport.js";

// 2^64 - 2^13 - 1: no counter at or above this is sent or accepted (§6.1).
// Defined with the replay window, which enforces it on receive.
export { REJECT_AFTER_MESSAGES };
/** Past this many sent messages a new handshake starts (§6.1). */
export const REKEY_AFTER_MESSAGES = 1n << 60n;

// The same limits as 32-bit halves, for counters kept as two numbers: a
// bigint per packet (counter++, BigInt(lo)) was an allocation per packet.
const REJECT_HI = 0xffffffff;
const REJECT_LO = 0xffffdfff;
const REKEY_HI = 0x10000000;

/** Whether the counter hi·2^32 + lo is at or past REJECT_AFTER_MESSAGES. */
export function counterRejected(hi: number, lo: number): boolean {
  return hi === REJECT_HI && lo >= REJECT_LO;
}

/** Validate-and-update of received counters; call only after the AEAD tag verified (§7). */
export interface CounterValidator {
  /** The counter hi·2^32 + lo, both halves uint32. */
  checkHalves(hi: number, lo: number): boolean;
}

export class Keypair implements SendCounterSource {
  /** OpenSSL contexts keyed once per session, so a packet costs only a new nonce (native/aead.c). */
  readonly sendKey: AeadHandle;
  readonly receiveKey: AeadHandle;
  /** The next send counter, hi·2^32 + lo. */
  private sendHi = 0;
  private sendLo = 0;

  constructor(
    keys: TransportKeys,
    readonly isInitiator: boolean,
    /** Monotonic ms at derivation. */
    readonly created: number,
    readonly localIndex: number,
    readonly remoteIndex: number,
    readonly replay: CounterValidator,
  ) {
    this.sendKey = createTransportAead(keys.send, true);
    this.receiveKey = createTransportAead(keys.receive, false);
    keys.send.fill(0);
    keys.receive.fill(0);
  }

  /**
   * Wipes both keys now (zero_key_material, device down, peer removal)
   * instead of whenever the GC gets to them; the keypair must no longer be
   * reachable for sending or receiving.
   */
  destroy(): void {
    this.expireForSending();
    destroyTransportAead(this.sendKey);
    destroyTransportAead(this.receiveKey);
  }

  /** Makes the keypair unusable for sending (private key change, §6.3). */
  expireForSending(): void {
    this.sendHi = REJECT_HI;
    this.sendLo = REJECT_LO;
  }

  /** Whether the next send counter is still below REJECT_AFTER_MESSAGES. */
  canSend(): boolean {
    return !counterRejected(this.sendHi, this.sendLo);
  }

  /** Whether more than REKEY_AFTER_MESSAGES have been sent (§6.1's send-side rekey trigger). */
  pastRekeyCount(): boolean {
    return this.sendHi > REKEY_HI || (this.sendHi === REKEY_HI && this.sendLo > 0);
  }

  /** Writes the next send counter (u64 LE) at `at` and advances it; the caller checked canSend(). */
  takeSendCounter(view: DataView, at: number): void {
    view.setUint32(at, this.sendLo, true);
    view.setUint32(at + 4, this.sendHi, true);
    if (this.sendLo === 0xffffffff) {
      this.sendLo = 0;
      this.sendHi++;
    } else {
      this.sendLo++;
    }
  }

  /** The next send counter as one value, for tests and diagnostics (not the packet path). */
  get sendCounter(): bigint {
    return (BigInt(this.sendHi) << 32n) | BigInt(this.sendLo);
  }

  set sendCounter(value: bigint) {
    if (value < 0n || value > REJECT_AFTER_MESSAGES) throw new RangeError(`send counter ${value} out of range`);
    this.sendHi = Number(value >> 32n);
    this.sendLo = Number(value & 0xffffffffn);
  }
}
