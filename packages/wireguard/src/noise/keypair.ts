// One transport session (§6.2): the two directional keys, the send counter,
// the receive replay window and the facts the rotation rules need.
import { createTransportAead, destroyTransportAead, type AeadHandle } from "@plug/fastpath";
import type { TransportKeys } from "./handshake.js";

/** 2^64 - 2^13 - 1: no counter at or above this is sent or accepted (§6.1). */
export const REJECT_AFTER_MESSAGES = 0xffffffffffffffffn - 0x2000n;
/** Past this many sent messages a new handshake starts (§6.1). */
export const REKEY_AFTER_MESSAGES = 1n << 60n;

/** Validate-and-update of received counters; call only after the AEAD tag verified (§7). */
export interface CounterValidator {
  check(counter: bigint): boolean;
}

export class Keypair {
  /** OpenSSL contexts keyed once per session, so a packet costs only a new nonce (native/aead.c). */
  readonly sendKey: AeadHandle;
  readonly receiveKey: AeadHandle;
  sendCounter = 0n;

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
    this.sendCounter = REJECT_AFTER_MESSAGES;
    destroyTransportAead(this.sendKey);
    destroyTransportAead(this.receiveKey);
  }

  /** Makes the keypair unusable for sending (private key change, §6.3). */
  expireForSending(): void {
    this.sendCounter = REJECT_AFTER_MESSAGES;
  }
}
