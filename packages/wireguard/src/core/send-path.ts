// The send path (WG-GO send.go): TUN packets are routed by allowed IPs and
// staged on their peer, then sealed into transport messages once the peer has
// a usable session; otherwise they wait while an initiation goes out.
// Keepalives are empty staged packets. Also the §6.5 send-side rekey trigger.
import type { Logger } from "../log/logger.js";
import { clampPrivateKey } from "../crypto/keys.js";
import type { Tai64nGenerator } from "../crypto/tai64n.js";
import { createInitiation } from "../noise/handshake.js";
import { destinationAddressOf, sealTransportInto, transportMessageLength } from "../noise/transport.js";
import type { AllowedIps } from "../routing/allowed-ips.js";
import { JITTER_MAX_MS, MAX_STAGED_PACKETS, REJECT_AFTER_TIME, REKEY_AFTER_TIME, REKEY_TIMEOUT } from "./constants.js";
import type { Drop } from "./drop-reasons.js";
import type { IndexTable } from "./index-table.js";
import { MessageSlab } from "./message-slab.js";
import type { Peer } from "./peer.js";
import type { Clock, CoreIo } from "./types.js";

const EMPTY = new Uint8Array(0);

export interface SendPathDeps {
  clock: Clock;
  io: CoreIo;
  log: Logger;
  random: (n: number) => Uint8Array;
  drop: Drop;
  indices: IndexTable<Peer>;
  allowedIps: AllowedIps<Peer>;
  tai64n: Tai64nGenerator;
  /** Live device state, read at the moment of sending. */
  isUp: () => boolean;
  mtu: () => number;
  localPublicKey: () => Uint8Array | null;
}

export class SendPath {
  private readonly slab = new MessageSlab();

  constructor(private readonly d: SendPathDeps) {}

  /** A batch read from the TUN. Ownership of the packets passes to the core. */
  handleTunPackets(packets: readonly Uint8Array[]): void {
    const { drop } = this.d;
    if (!this.d.isUp()) {
      drop("tx_device_down", packets.length);
      return;
    }
    const touched: Peer[] = [];
    for (const packet of packets) {
      const dst = destinationAddressOf(packet);
      if (dst === null) {
        drop("tx_malformed");
        continue;
      }
      const peer = this.d.allowedIps.lookup(dst);
      if (peer === undefined) {
        drop("tx_no_route");
        continue;
      }
      if (peer.endpoint === null) {
        drop("tx_no_endpoint");
        continue;
      }
      // A batch can hold more packets for one peer than its staging queue
      // (a TSO read alone becomes ~45): with a session, send what is staged
      // instead of letting the queue drop it. Without one, the queue is what
      // waits for the handshake, and its limit holds.
      if (peer.staged.length >= MAX_STAGED_PACKETS && peer.current !== null) this.sendStaged(peer);
      drop("tx_staged_overflow", peer.stage(packet));
      if (!peer.flushPending) {
        peer.flushPending = true;
        touched.push(peer);
      }
    }
    for (const peer of touched) {
      peer.flushPending = false;
      this.sendStaged(peer);
    }
  }

  sendKeepalive(peer: Peer): void {
    if (peer.staged.length === 0) peer.staged.push(EMPTY);
    this.sendStaged(peer);
  }

  sendStaged(peer: Peer): void {
    if (!this.d.isUp() || peer.staged.length === 0) return;
    const now = this.d.clock.now();
    const kp = peer.current;
    if (kp === null || !kp.canSend() || now - kp.created >= REJECT_AFTER_TIME) {
      this.sendInitiation(peer, false);
      return;
    }
    const to = peer.endpoint;
    if (to === null) {
      this.d.drop("tx_no_endpoint", peer.staged.length);
      peer.staged = [];
      return;
    }
    const packets = peer.staged;
    peer.staged = [];
    const mtu = this.d.mtu();
    // All of this batch's messages share one zeroed region: a malloc, a
    // free and an ArrayBuffer per packet were a visible share of the CPU.
    let total = 0;
    for (const packet of packets) total += transportMessageLength(packet.length, mtu);
    const slab = this.slab.take(total);
    const view = this.slab.dataView;
    let offset = 0;
    let sent = 0;
    let sentData = false;
    for (let i = 0; i < packets.length; i++) {
      if (!kp.canSend()) {
        peer.staged = packets.slice(i);
        this.sendInitiation(peer, false);
        break;
      }
      const packet = packets[i] ?? EMPTY;
      const length = transportMessageLength(packet.length, mtu);
      const msg = slab.subarray(offset, offset + length);
      offset += length;
      sealTransportInto(kp.sendKey, kp.remoteIndex, kp, packet, msg, view);
      if (packet.length > 0) sentData = true;
      sent++;
      this.d.io.send(msg, to);
    }
    // One BigInt addition per batch, not per packet.
    if (offset > 0) peer.txBytes += BigInt(offset);
    if (sent > 0) {
      peer.timers.anyAuthenticatedPacketTraversal(now, peer.persistentKeepalive);
      peer.timers.anyAuthenticatedPacketSent();
      if (sentData) peer.timers.dataSent(now, this.jitter);
    }
    this.keepKeyFreshSending(peer, now);
  }

  private keepKeyFreshSending(peer: Peer, now: number): void {
    const kp = peer.current;
    if (kp === null) return;
    if (kp.pastRekeyCount() || (kp.isInitiator && now - kp.created > REKEY_AFTER_TIME)) {
      this.sendInitiation(peer, false);
    }
  }

  /** At most one initiation per REKEY_TIMEOUT; `isRetry` keeps the attempt count of §6.6 retransmission. */
  sendInitiation(peer: Peer, isRetry: boolean): void {
    if (!isRetry) peer.timers.handshakeAttempts = 0;
    const { clock, indices } = this.d;
    const now = clock.now();
    const hs = peer.handshake;
    if (hs.lastSentHandshake !== null && now - hs.lastSentHandshake < REKEY_TIMEOUT) return;
    const localPublic = this.d.localPublicKey();
    if (!this.d.isUp() || localPublic === null || peer.staticShared === null) return;
    const to = peer.endpoint;
    if (to === null) {
      this.d.drop("tx_no_endpoint", peer.staged.length);
      peer.staged = [];
      return;
    }
    hs.lastSentHandshake = now;
    if (hs.localIndex !== null) indices.deleteHandshake(hs.localIndex);
    const index = indices.newHandshakeIndex(peer);
    const msg = createInitiation(hs, {
      localPublic,
      remotePublic: peer.publicKey,
      staticShared: peer.staticShared,
      ephemeralPrivate: clampPrivateKey(this.d.random(32)),
      timestamp: this.d.tai64n.now(),
      senderIndex: index,
    });
    if (msg === null) {
      indices.deleteHandshake(index);
      hs.clear();
      return;
    }
    peer.cookies.addMacs(msg, now);
    this.d.log.verbose(`${peer.label} - Sending handshake initiation`);
    peer.timers.anyAuthenticatedPacketTraversal(now, peer.persistentKeepalive);
    peer.timers.anyAuthenticatedPacketSent();
    peer.txBytes += BigInt(msg.length);
    this.d.io.send(msg, to);
    peer.timers.handshakeInitiated(now, this.jitter);
  }

  /** Uniform-enough in [0, JITTER_MAX_MS) from injected randomness; an arrow so hooks can take it without a closure per call. */
  private readonly jitter = (): number => {
    const b = this.d.random(2);
    return (((b[0] ?? 0) << 8) | (b[1] ?? 0)) % JITTER_MAX_MS;
  };
}
