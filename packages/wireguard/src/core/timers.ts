// The five per-peer timers of §6.6 as absolute monotonic deadlines (null =
// not pending), and the hooks that arm and cancel them, named as in the
// kernel's timers.c. Deadlines instead of callbacks keep the core sans-IO:
// the I/O layer asks for the earliest one and calls tick(); what happens when
// a deadline passes is the core's business: fireExpiredTimers() clears each
// passed deadline and hands it to the core's TimerHandlers.
import { KEEPALIVE_TIMEOUT, REKEY_TIMEOUT, ZERO_KEY_TIMEOUT } from "./constants.js";

export class PeerTimers {
  retransmitHandshake: number | null = null;
  sendKeepalive: number | null = null;
  newHandshake: number | null = null;
  zeroKeyMaterial: number | null = null;
  persistentKeepalive: number | null = null;
  handshakeAttempts = 0;
  needAnotherKeepalive = false;
  sentLastMinuteHandshake = false;

  /** After sending a non-keepalive transport packet. */
  dataSent(now: number, jitter: () => number): void {
    if (this.newHandshake === null) this.newHandshake = now + KEEPALIVE_TIMEOUT + REKEY_TIMEOUT + jitter();
  }

  /** After receiving a non-keepalive transport packet. */
  dataReceived(now: number): void {
    if (this.sendKeepalive === null) this.sendKeepalive = now + KEEPALIVE_TIMEOUT;
    else this.needAnotherKeepalive = true;
  }

  /** After sending any handshake, data or keepalive message. */
  anyAuthenticatedPacketSent(): void {
    this.sendKeepalive = null;
  }

  /** After receiving any authenticated message. */
  anyAuthenticatedPacketReceived(): void {
    this.newHandshake = null;
  }

  /** Before sending or after receiving any authenticated message. */
  anyAuthenticatedPacketTraversal(now: number, persistentKeepaliveSeconds: number): void {
    if (persistentKeepaliveSeconds > 0) this.persistentKeepalive = now + persistentKeepaliveSeconds * 1000;
  }

  /** After sending an initiation. */
  handshakeInitiated(now: number, jitter: () => number): void {
    this.retransmitHandshake = now + REKEY_TIMEOUT + jitter();
  }

  /** Response consumed (initiator) or first packet on `next` (responder). */
  handshakeComplete(): void {
    this.retransmitHandshake = null;
    this.handshakeAttempts = 0;
    this.sentLastMinuteHandshake = false;
  }

  /** A keypair was derived. */
  sessionDerived(now: number): void {
    this.zeroKeyMaterial = now + ZERO_KEY_TIMEOUT;
  }

  earliest(): number | null {
    let min: number | null = null;
    for (const d of [this.retransmitHandshake, this.sendKeepalive, this.newHandshake, this.zeroKeyMaterial, this.persistentKeepalive]) {
      if (d !== null && (min === null || d < min)) min = d;
    }
    return min;
  }

  stopAll(): void {
    this.retransmitHandshake = null;
    this.sendKeepalive = null;
    this.newHandshake = null;
    this.zeroKeyMaterial = null;
    this.persistentKeepalive = null;
    this.handshakeAttempts = 0;
    this.needAnotherKeepalive = false;
    this.sentLastMinuteHandshake = false;
  }
}

/** What to do when each §6.6 deadline passes (WG-GO timers.go expired*). */
export interface TimerHandlers<P> {
  retransmitHandshake(peer: P): void;
  sendKeepalive(peer: P): void;
  newHandshake(peer: P): void;
  zeroKeyMaterial(peer: P): void;
  persistentKeepalive(peer: P): void;
}

/**
 * Runs the handler of every deadline of `peer` that has passed by `now`, in a
 * fixed order. Each deadline is cleared before its handler runs, so the
 * handler may re-arm it.
 */
export function fireExpiredTimers<P extends { readonly timers: PeerTimers }>(peer: P, now: number, on: TimerHandlers<P>): void {
  const t = peer.timers;
  if (t.retransmitHandshake !== null && t.retransmitHandshake <= now) {
    t.retransmitHandshake = null;
    on.retransmitHandshake(peer);
  }
  if (t.sendKeepalive !== null && t.sendKeepalive <= now) {
    t.sendKeepalive = null;
    on.sendKeepalive(peer);
    if (t.needAnotherKeepalive) {
      t.needAnotherKeepalive = false;
      t.sendKeepalive = now + KEEPALIVE_TIMEOUT;
    }
  }
  if (t.newHandshake !== null && t.newHandshake <= now) {
    t.newHandshake = null;
    on.newHandshake(peer);
  }
  if (t.zeroKeyMaterial !== null && t.zeroKeyMaterial <= now) {
    t.zeroKeyMaterial = null;
    on.zeroKeyMaterial(peer);
  }
  if (t.persistentKeepalive !== null && t.persistentKeepalive <= now) {
    t.persistentKeepalive = null;
    on.persistentKeepalive(peer);
  }
}
