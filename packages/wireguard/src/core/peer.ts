// Everything the core keeps per peer (§6.2): configuration, the handshake
// slot, the three keypair slots with their rotation rules (§6.3), cookie
// state, timers, staged packets and the counters `wg show` reports.
import type { Endpoint } from "../net/address.js";
import { peerLabel } from "../log/logger.js";
import { Handshake } from "../noise/handshake.js";
import { CookieGenerator } from "../noise/cookie.js";
import type { Keypair } from "../noise/keypair.js";
import { MAX_STAGED_PACKETS } from "./constants.js";
import type { IndexTable } from "./index-table.js";
import { PeerTimers } from "./timers.js";

/** Far below 2^53, so the number part of the receive counter stays exact. */
const RX_FOLD_BYTES = 2 ** 40;

export class Peer {
  readonly label: string;
  readonly cookies: CookieGenerator;
  readonly handshake = new Handshake();
  readonly timers = new PeerTimers();
  presharedKey: Uint8Array | null = null;
  endpoint: Endpoint | null = null;
  /** Seconds, 0 = off. */
  persistentKeepalive = 0;
  /** DH(our static, their static); null when we have no key or it was all zero. */
  staticShared: Uint8Array | null = null;
  previous: Keypair | null = null;
  current: Keypair | null = null;
  next: Keypair | null = null;
  staged: Uint8Array[] = [];
  txBytes = 0n;
  // Received bytes: a bigint addition per packet was an allocation per packet,
  // so packets add to a number that is folded into the bigint now and then.
  private rxFolded = 0n;
  private rxRecent = 0;
  lastHandshake: { sec: number; nsec: number } | null = null;
  /** Set while this peer waits for the flush at the end of a TUN batch. */
  flushPending = false;

  constructor(readonly publicKey: Uint8Array) {
    this.label = peerLabel(publicKey);
    this.cookies = new CookieGenerator(publicKey);
  }

  /**
   * What every authenticated message from this peer does once it is accepted (§6.5, §6.6):
   * the traversal and received hooks, and the `wg show` receive counter.
   */
  receivedAuthenticated(now: number, bytes: number): void {
    this.timers.anyAuthenticatedPacketTraversal(now, this.persistentKeepalive);
    this.timers.anyAuthenticatedPacketReceived();
    this.rxRecent += bytes;
    if (this.rxRecent >= RX_FOLD_BYTES) {
      this.rxFolded += BigInt(this.rxRecent);
      this.rxRecent = 0;
    }
  }

  /** Bytes of authenticated messages received from this peer (`wg show`'s transfer). */
  get rxBytes(): bigint {
    return this.rxFolded + BigInt(this.rxRecent);
  }

  /** Drops the oldest when full; returns how many were dropped (0 or 1). */
  stage(packet: Uint8Array): number {
    this.staged.push(packet);
    if (this.staged.length <= MAX_STAGED_PACKETS) return 0;
    this.staged.shift();
    return 1;
  }

  /** Initiator side of §6.3: the new keypair is usable at once. */
  installAsInitiator(kp: Keypair, table: IndexTable<Peer>): void {
    const oldPrevious = this.previous;
    if (this.next !== null) {
      this.previous = this.next;
      this.next = null;
      if (this.current !== null) table.deleteKeypair(this.current);
    } else {
      this.previous = this.current;
    }
    if (oldPrevious !== null) table.deleteKeypair(oldPrevious);
    this.current = kp;
  }

  /** Responder side of §6.3: parked in `next` until the initiator confirms it. */
  installAsResponder(kp: Keypair, table: IndexTable<Peer>): void {
    if (this.next !== null) table.deleteKeypair(this.next);
    this.next = kp;
    if (this.previous !== null) table.deleteKeypair(this.previous);
    this.previous = null;
  }

  /** Key confirmation: a packet authenticated on `next` promotes it. True when it did. */
  confirm(kp: Keypair, table: IndexTable<Peer>): boolean {
    if (this.next !== kp) return false;
    if (this.previous !== null) table.deleteKeypair(this.previous);
    this.previous = this.current;
    this.current = kp;
    this.next = null;
    return true;
  }

  /** Erases the handshake slot and all keypairs with their indices (zero_key_material, down, removal). */
  zeroKeys(table: IndexTable<Peer>): void {
    for (const kp of [this.previous, this.current, this.next]) {
      if (kp === null) continue;
      table.deleteKeypair(kp);
      kp.destroy();
    }
    this.previous = this.current = this.next = null;
    if (this.handshake.localIndex !== null) table.deleteHandshake(this.handshake.localIndex);
    this.handshake.clear();
  }
}
