// The sans-IO WireGuard device: peers, handshakes, sessions and all §6 timers.
// Inputs are datagrams, TUN packets, configuration calls and tick(); outputs
// go through CoreIo. Time and randomness come from CoreOptions, so two cores
// wired together under a fake clock behave exactly like two real peers.
// Nothing that arrives from the network may throw: every dropped input
// increments one named counter in `stats`.
import type { KeyObject } from "node:crypto";
import { formatEndpoint, parseIp, type Endpoint, type Prefix } from "../net/address.js";
import type { Logger } from "../log/logger.js";
import type { PeerSnapshot } from "../device/control.js";
import { bytesEqual, clampPrivateKey, isZeroKey } from "../crypto/keys.js";
import { dh, privateKeyObject, x25519PublicKey } from "../crypto/x25519.js";
import { compareTai64n, Tai64nGenerator } from "../crypto/tai64n.js";
import { ZERO_KEY } from "../noise/constants.js";
import { CookieChecker, encodeCookieSource } from "../noise/cookie.js";
import {
  commitInitiation,
  consumeResponse,
  createInitiation,
  createResponse,
  finishInitiation,
  openInitiation,
} from "../noise/handshake.js";
import { Keypair, REJECT_AFTER_MESSAGES, REKEY_AFTER_MESSAGES } from "../noise/keypair.js";
import {
  classify,
  decodeCookieReply,
  decodeInitiation,
  decodeResponse,
  decodeTransportHeader,
  INITIATION_LENGTH,
  MessageType,
  RESPONSE_LENGTH,
} from "../noise/messages.js";
import { destinationAddressOf, innerPacketLength, openTransport, sealTransport, sourceAddressOf } from "../noise/transport.js";
import { ReplayWindow } from "../replay/replay-window.js";
import { AllowedIps } from "../routing/allowed-ips.js";
import { HandshakeRateLimiter } from "../ratelimit/ratelimiter.js";
import {
  INITIATION_FLOOD_MS,
  JITTER_MAX_MS,
  KEEPALIVE_TIMEOUT,
  LAST_MINUTE_REKEY,
  MAX_TIMER_HANDSHAKES,
  REJECT_AFTER_TIME,
  REKEY_AFTER_TIME,
  REKEY_TIMEOUT,
  ZERO_KEY_TIMEOUT,
} from "./constants.js";
import { IndexTable } from "./index-table.js";
import { LoadMonitor } from "./load-monitor.js";
import { Peer } from "./peer.js";
import type { Clock, CoreIo, CoreOptions, CoreStats } from "./types.js";

/** Every reason an input can be dropped; all start at 0 so a snapshot lists them. */
export const DROP_REASONS = [
  "rx_malformed",
  "rx_device_down",
  "rx_bad_mac1",
  "rx_cookie_sent",
  "rx_rate_limited",
  "rx_handshake_failed",
  "rx_unknown_peer",
  "rx_handshake_replay",
  "rx_handshake_flood",
  "rx_unknown_index",
  "rx_bad_cookie",
  "rx_expired_keypair",
  "rx_decrypt_failed",
  "rx_replay",
  "rx_malformed_inner",
  "rx_source_check",
  "rx_internal_error",
  "tx_device_down",
  "tx_malformed",
  "tx_no_route",
  "tx_no_endpoint",
  "tx_staged_overflow",
  "tx_handshake_timeout",
  "tx_flushed",
] as const;
export type DropReason = (typeof DROP_REASONS)[number];

const hexKey = (k: Uint8Array): string => Buffer.from(k).toString("hex");
const EMPTY = new Uint8Array(0);

export class DeviceCore {
  readonly stats: CoreStats = Object.fromEntries(DROP_REASONS.map((r) => [r, 0]));

  private readonly clock: Clock;
  private readonly io: CoreIo;
  private readonly log: Logger;
  private readonly random: (n: number) => Uint8Array;
  private mtu: number;
  private isUp = false;

  private privateKey: Uint8Array | null = null;
  private privateKeyObj: KeyObject | null = null;
  private publicKey: Uint8Array | null = null;

  private readonly peersByKey = new Map<string, Peer>();
  private readonly indices: IndexTable<Peer>;
  private readonly allowedIps = new AllowedIps<Peer>();
  private readonly cookieChecker: CookieChecker;
  private readonly rateLimiter: HandshakeRateLimiter;
  private readonly load = new LoadMonitor();
  private readonly tai64n: Tai64nGenerator;

  constructor(options: CoreOptions) {
    this.clock = options.clock;
    this.io = options.io;
    this.log = options.log;
    this.random = options.randomBytes;
    this.mtu = options.mtu;
    this.indices = new IndexTable<Peer>(this.random);
    this.cookieChecker = new CookieChecker(this.random);
    this.rateLimiter = new HandshakeRateLimiter(() => this.clock.now());
    this.tai64n = new Tai64nGenerator(() => this.clock.wall());
  }

  // ---------------------------------------------------------------- configuration

  getPrivateKey(): Uint8Array | null {
    return this.privateKey === null ? null : Uint8Array.from(this.privateKey);
  }

  /** §6.3 private key change: recompute ss, make sessions unusable for sending, clear handshakes. */
  setPrivateKey(key: Uint8Array | null): void {
    const next = key === null || isZeroKey(key) ? null : clampPrivateKey(key);
    if (next === null ? this.privateKey === null : this.privateKey !== null && bytesEqual(next, this.privateKey)) return;
    this.privateKey = next;
    this.privateKeyObj = next === null ? null : privateKeyObject(next);
    this.publicKey = this.privateKeyObj === null ? null : x25519PublicKey(this.privateKeyObj);
    if (this.publicKey !== null) this.removePeer(this.publicKey);
    this.cookieChecker.setPublicKey(this.publicKey);
    for (const peer of this.peersByKey.values()) {
      peer.staticShared = this.computeStaticShared(peer.publicKey);
      this.expireCurrentKeypairs(peer);
    }
  }

  hasPeer(publicKey: Uint8Array): boolean {
    return this.peersByKey.has(hexKey(publicKey));
  }

  ensurePeer(publicKey: Uint8Array): boolean {
    if (this.publicKey !== null && bytesEqual(publicKey, this.publicKey)) return false;
    const id = hexKey(publicKey);
    if (!this.peersByKey.has(id)) {
      const peer = new Peer(Uint8Array.from(publicKey));
      peer.staticShared = this.computeStaticShared(peer.publicKey);
      this.peersByKey.set(id, peer);
      this.log.verbose(`${peer.label} - Created`);
    }
    return true;
  }

  removePeer(publicKey: Uint8Array): void {
    const id = hexKey(publicKey);
    const peer = this.peersByKey.get(id);
    if (peer === undefined) return;
    peer.zeroKeys(this.indices);
    peer.timers.stopAll();
    peer.staged = [];
    this.allowedIps.removeByOwner(peer);
    this.peersByKey.delete(id);
    this.log.verbose(`${peer.label} - Removed`);
  }

  removeAllPeers(): void {
    for (const peer of [...this.peersByKey.values()]) this.removePeer(peer.publicKey);
  }

  setPeerPresharedKey(publicKey: Uint8Array, psk: Uint8Array | null): void {
    const peer = this.peer(publicKey);
    if (peer !== undefined) peer.presharedKey = psk === null || isZeroKey(psk) ? null : Uint8Array.from(psk);
  }

  setPeerEndpoint(publicKey: Uint8Array, endpoint: Endpoint): void {
    const peer = this.peer(publicKey);
    if (peer !== undefined) peer.endpoint = endpoint;
  }

  setPeerPersistentKeepalive(publicKey: Uint8Array, seconds: number): void {
    const peer = this.peer(publicKey);
    if (peer === undefined) return;
    const wasOff = peer.persistentKeepalive === 0;
    peer.persistentKeepalive = seconds;
    if (seconds === 0) peer.timers.persistentKeepalive = null;
    else if (wasOff && this.isUp) this.sendKeepalive(peer);
  }

  clearPeerAllowedIps(publicKey: Uint8Array): void {
    const peer = this.peer(publicKey);
    if (peer !== undefined) this.allowedIps.removeByOwner(peer);
  }

  addPeerAllowedIp(publicKey: Uint8Array, prefix: Prefix): void {
    const peer = this.peer(publicKey);
    if (peer !== undefined) this.allowedIps.insert(prefix, peer);
  }

  removePeerAllowedIp(publicKey: Uint8Array, prefix: Prefix): void {
    const peer = this.peer(publicKey);
    if (peer !== undefined) this.allowedIps.removeExact(prefix, peer);
  }

  peers(): PeerSnapshot[] {
    return [...this.peersByKey.values()].map((p) => ({
      publicKey: Uint8Array.from(p.publicKey),
      presharedKey: p.presharedKey === null ? null : Uint8Array.from(p.presharedKey),
      endpoint: p.endpoint,
      lastHandshake: p.lastHandshake,
      rxBytes: p.rxBytes,
      txBytes: p.txBytes,
      persistentKeepalive: p.persistentKeepalive,
      allowedIps: this.allowedIps.prefixesOf(p),
    }));
  }

  setMtu(mtu: number): void {
    this.mtu = mtu;
  }

  /**
   * The core's endpoints carry no cached source address (the I/O layer owns
   * sockets and any sticky source), so there is nothing to forget here; the
   * method exists so the device can forward the event unconditionally.
   */
  clearSourceCaches(): void {}

  up(): void {
    if (this.isUp) return;
    this.isUp = true;
    for (const peer of this.peersByKey.values()) {
      peer.handshake.lastSentHandshake = null;
      if (peer.persistentKeepalive > 0) this.sendKeepalive(peer);
    }
  }

  /** Stops timers and forgets sessions and staged packets; configuration stays. */
  down(): void {
    if (!this.isUp) return;
    this.isUp = false;
    for (const peer of this.peersByKey.values()) {
      peer.zeroKeys(this.indices);
      peer.timers.stopAll();
      this.stats.tx_flushed = (this.stats.tx_flushed ?? 0) + peer.staged.length;
      peer.staged = [];
    }
  }

  // ---------------------------------------------------------------- timers

  nextDeadline(): number | null {
    let min: number | null = null;
    for (const peer of this.peersByKey.values()) {
      const d = peer.timers.earliest();
      if (d !== null && (min === null || d < min)) min = d;
    }
    return min;
  }

  tick(): void {
    const now = this.clock.now();
    for (const peer of [...this.peersByKey.values()]) {
      const t = peer.timers;
      if (t.retransmitHandshake !== null && t.retransmitHandshake <= now) {
        t.retransmitHandshake = null;
        this.expiredRetransmitHandshake(peer);
      }
      if (t.sendKeepalive !== null && t.sendKeepalive <= now) {
        t.sendKeepalive = null;
        this.sendKeepalive(peer);
        if (t.needAnotherKeepalive) {
          t.needAnotherKeepalive = false;
          t.sendKeepalive = now + KEEPALIVE_TIMEOUT;
        }
      }
      if (t.newHandshake !== null && t.newHandshake <= now) {
        t.newHandshake = null;
        this.log.verbose(`${peer.label} - Retrying handshake because we stopped hearing back after ${(KEEPALIVE_TIMEOUT + REKEY_TIMEOUT) / 1000} seconds`);
        this.sendInitiation(peer, false);
      }
      if (t.zeroKeyMaterial !== null && t.zeroKeyMaterial <= now) {
        t.zeroKeyMaterial = null;
        this.log.verbose(`${peer.label} - Removing all keys, since we haven't received a new one in ${ZERO_KEY_TIMEOUT / 1000} seconds`);
        peer.zeroKeys(this.indices);
        this.stats.tx_flushed = (this.stats.tx_flushed ?? 0) + peer.staged.length;
        peer.staged = [];
      }
      if (t.persistentKeepalive !== null && t.persistentKeepalive <= now) {
        t.persistentKeepalive = null;
        if (peer.persistentKeepalive > 0) this.sendKeepalive(peer);
      }
    }
  }

  private expiredRetransmitHandshake(peer: Peer): void {
    const t = peer.timers;
    if (t.handshakeAttempts > MAX_TIMER_HANDSHAKES) {
      this.log.verbose(`${peer.label} - Handshake did not complete after ${MAX_TIMER_HANDSHAKES + 2} attempts, giving up`);
      t.sendKeepalive = null;
      this.drop("tx_handshake_timeout", peer.staged.length);
      peer.staged = [];
      if (t.zeroKeyMaterial === null) t.zeroKeyMaterial = this.clock.now() + ZERO_KEY_TIMEOUT;
      return;
    }
    t.handshakeAttempts++;
    this.log.verbose(`${peer.label} - Handshake did not complete after ${REKEY_TIMEOUT / 1000} seconds, retrying (try ${t.handshakeAttempts + 1})`);
    this.sendInitiation(peer, true);
  }

  /** Uniform-enough in [0, JITTER_MAX_MS) from injected randomness; an arrow so hooks can take it without a closure per call. */
  private readonly jitter = (): number => {
    const b = this.random(2);
    return (((b[0] ?? 0) << 8) | (b[1] ?? 0)) % JITTER_MAX_MS;
  };

  private handshakeComplete(peer: Peer): void {
    peer.timers.handshakeComplete();
    peer.lastHandshake = this.clock.wall();
  }

  // ---------------------------------------------------------------- send path

  /** A batch read from the TUN. Ownership of the packets passes to the core. */
  handleTunPackets(packets: readonly Uint8Array[]): void {
    if (!this.isUp) {
      this.drop("tx_device_down", packets.length);
      return;
    }
    const touched: Peer[] = [];
    for (const packet of packets) {
      const dst = destinationAddressOf(packet);
      if (dst === null) {
        this.drop("tx_malformed");
        continue;
      }
      const peer = this.allowedIps.lookup(dst);
      if (peer === undefined) {
        this.drop("tx_no_route");
        continue;
      }
      if (peer.endpoint === null) {
        this.drop("tx_no_endpoint");
        continue;
      }
      this.drop("tx_staged_overflow", peer.stage(packet));
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

  private sendKeepalive(peer: Peer): void {
    if (peer.staged.length === 0) peer.staged.push(EMPTY);
    this.sendStaged(peer);
  }

  private sendStaged(peer: Peer): void {
    if (!this.isUp || peer.staged.length === 0) return;
    const now = this.clock.now();
    const kp = peer.current;
    if (kp === null || kp.sendCounter >= REJECT_AFTER_MESSAGES || now - kp.created >= REJECT_AFTER_TIME) {
      this.sendInitiation(peer, false);
      return;
    }
    const to = peer.endpoint;
    if (to === null) {
      this.drop("tx_no_endpoint", peer.staged.length);
      peer.staged = [];
      return;
    }
    const packets = peer.staged;
    peer.staged = [];
    let sent = 0;
    let sentData = false;
    for (let i = 0; i < packets.length; i++) {
      if (kp.sendCounter >= REJECT_AFTER_MESSAGES) {
        peer.staged = packets.slice(i);
        this.sendInitiation(peer, false);
        break;
      }
      const packet = packets[i] ?? EMPTY;
      const counter = kp.sendCounter++;
      const msg = sealTransport(kp.sendKey, kp.remoteIndex, counter, packet, this.mtu);
      peer.txBytes += BigInt(msg.length);
      if (packet.length > 0) sentData = true;
      sent++;
      this.io.send(msg, to);
    }
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
    if (kp.sendCounter > REKEY_AFTER_MESSAGES || (kp.isInitiator && now - kp.created > REKEY_AFTER_TIME)) {
      this.sendInitiation(peer, false);
    }
  }

  private sendInitiation(peer: Peer, isRetry: boolean): void {
    if (!isRetry) peer.timers.handshakeAttempts = 0;
    const now = this.clock.now();
    const hs = peer.handshake;
    if (hs.lastSentHandshake !== null && now - hs.lastSentHandshake < REKEY_TIMEOUT) return;
    if (!this.isUp || this.publicKey === null || peer.staticShared === null) return;
    const to = peer.endpoint;
    if (to === null) {
      this.drop("tx_no_endpoint", peer.staged.length);
      peer.staged = [];
      return;
    }
    hs.lastSentHandshake = now;
    if (hs.localIndex !== null) this.indices.deleteHandshake(hs.localIndex);
    const index = this.indices.newHandshakeIndex(peer);
    const msg = createInitiation(hs, {
      localPublic: this.publicKey,
      remotePublic: peer.publicKey,
      staticShared: peer.staticShared,
      ephemeralPrivate: clampPrivateKey(this.random(32)),
      timestamp: this.tai64n.now(),
      senderIndex: index,
    });
    if (msg === null) {
      this.indices.deleteHandshake(index);
      hs.clear();
      return;
    }
    peer.cookies.addMacs(msg, now);
    this.log.verbose(`${peer.label} - Sending handshake initiation`);
    peer.timers.anyAuthenticatedPacketTraversal(now, peer.persistentKeepalive);
    peer.timers.anyAuthenticatedPacketSent();
    peer.txBytes += BigInt(msg.length);
    this.io.send(msg, to);
    peer.timers.handshakeInitiated(now, this.jitter);
  }

  private sendResponse(peer: Peer, now: number): void {
    const hs = peer.handshake;
    const to = peer.endpoint;
    if (this.publicKey === null || to === null) return;
    hs.lastSentHandshake = now;
    const index = this.indices.newHandshakeIndex(peer);
    const created = createResponse(hs, {
      initiatorStatic: peer.publicKey,
      ephemeralPrivate: clampPrivateKey(this.random(32)),
      senderIndex: index,
      presharedKey: peer.presharedKey ?? ZERO_KEY,
    });
    if (created === null) {
      this.indices.deleteHandshake(index);
      hs.clear();
      this.drop("rx_handshake_failed");
      return;
    }
    peer.cookies.addMacs(created.message, now);
    const kp = new Keypair(created.keys, false, now, index, hs.remoteIndex, new ReplayWindow());
    this.indices.convertToKeypair(index, kp);
    hs.clear();
    peer.installAsResponder(kp, this.indices);
    this.log.verbose(`${peer.label} - Sending handshake response`);
    peer.timers.sessionDerived(now);
    peer.timers.anyAuthenticatedPacketTraversal(now, peer.persistentKeepalive);
    peer.timers.anyAuthenticatedPacketSent();
    peer.txBytes += BigInt(created.message.length);
    this.io.send(created.message, to);
  }

  // ---------------------------------------------------------------- receive path

  handleDatagram(data: Uint8Array, from: Endpoint): void {
    try {
      const type = classify(data);
      if (type === null) return this.drop("rx_malformed");
      if (!this.isUp) return this.drop("rx_device_down");
      switch (type) {
        case MessageType.Initiation:
          return this.receiveInitiation(data, from);
        case MessageType.Response:
          return this.receiveResponse(data, from);
        case MessageType.CookieReply:
          return this.receiveCookieReply(data);
        case MessageType.Transport:
          return this.receiveTransport(data, from);
      }
    } catch (err) {
      // A bug, not an attack: keep running, but make it visible.
      this.drop("rx_internal_error");
      this.log.error(`dropping datagram from ${formatEndpoint(from)}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /**
   * §5.3 for types 1 and 2: mac1, then under load mac2 (or a cookie reply) and
   * the per-source rate limit. Only mac1-valid messages count towards load:
   * they are the ones that cost DH work, which is what cookies protect; a
   * bad mac1 costs one BLAKE2s and is never answered, loaded or not.
   */
  private admitHandshake(data: Uint8Array, from: Endpoint, now: number): boolean {
    if (!this.cookieChecker.checkMac1(data)) {
      this.drop("rx_bad_mac1");
      return false;
    }
    if (!this.load.arrive(now)) return true;
    let ip: Uint8Array;
    try {
      ip = parseIp(from.address);
    } catch {
      this.drop("rx_malformed");
      return false;
    }
    const source = encodeCookieSource(ip, from.port);
    const verdict = this.cookieChecker.verifyMac2OrReply(data, source, now);
    if (!verdict.valid) {
      if (verdict.reply !== null) this.io.send(verdict.reply, from);
      this.drop("rx_cookie_sent");
      return false;
    }
    if (!this.rateLimiter.allow(ip)) {
      this.drop("rx_rate_limited");
      return false;
    }
    return true;
  }

  private receiveInitiation(data: Uint8Array, from: Endpoint): void {
    const now = this.clock.now();
    if (!this.admitHandshake(data, from, now)) return;
    const msg = decodeInitiation(data);
    if (msg === null || this.privateKeyObj === null || this.publicKey === null) return this.drop("rx_handshake_failed");
    const opened = openInitiation(msg, this.privateKeyObj, this.publicKey);
    if (opened === null) return this.drop("rx_handshake_failed");
    const peer = this.peersByKey.get(hexKey(opened.initiatorStatic));
    if (peer === undefined) return this.drop("rx_unknown_peer");
    const consumed = finishInitiation(msg, opened, peer.staticShared);
    if (consumed === null) return this.drop("rx_handshake_failed");
    const hs = peer.handshake;
    if (hs.greatestTimestamp !== null && compareTai64n(consumed.timestamp, hs.greatestTimestamp) <= 0) {
      return this.drop("rx_handshake_replay");
    }
    if (hs.lastInitiationConsumed !== null && now - hs.lastInitiationConsumed < INITIATION_FLOOD_MS) {
      return this.drop("rx_handshake_flood");
    }
    // Our own pending initiation (if any) is replaced: its index must stop matching (§6.7).
    if (hs.localIndex !== null) this.indices.deleteHandshake(hs.localIndex);
    commitInitiation(hs, msg, consumed, now);
    this.log.verbose(`${peer.label} - Received handshake initiation`);
    peer.endpoint = from;
    peer.timers.anyAuthenticatedPacketTraversal(now, peer.persistentKeepalive);
    peer.timers.anyAuthenticatedPacketReceived();
    peer.rxBytes += BigInt(INITIATION_LENGTH);
    this.sendResponse(peer, now);
  }

  private receiveResponse(data: Uint8Array, from: Endpoint): void {
    const now = this.clock.now();
    if (!this.admitHandshake(data, from, now)) return;
    const msg = decodeResponse(data);
    if (msg === null) return this.drop("rx_malformed");
    const peer = this.indices.lookupHandshake(msg.receiver);
    if (peer === undefined) return this.drop("rx_unknown_index");
    if (this.privateKeyObj === null) return this.drop("rx_handshake_failed");
    const keys = consumeResponse(peer.handshake, msg, {
      localPrivate: this.privateKeyObj,
      presharedKey: peer.presharedKey ?? ZERO_KEY,
    });
    if (keys === null) return this.drop("rx_handshake_failed");
    const kp = new Keypair(keys, true, now, msg.receiver, msg.sender, new ReplayWindow());
    this.indices.convertToKeypair(msg.receiver, kp);
    peer.handshake.clear();
    this.log.verbose(`${peer.label} - Received handshake response`);
    peer.endpoint = from;
    peer.timers.anyAuthenticatedPacketTraversal(now, peer.persistentKeepalive);
    peer.timers.anyAuthenticatedPacketReceived();
    peer.rxBytes += BigInt(RESPONSE_LENGTH);
    peer.installAsInitiator(kp, this.indices);
    peer.timers.sessionDerived(now);
    this.handshakeComplete(peer);
    // Key confirmation for the responder: queued data, or else a keepalive, right away (§4.4 step 8).
    this.sendKeepalive(peer);
  }

  private receiveCookieReply(data: Uint8Array): void {
    const msg = decodeCookieReply(data);
    if (msg === null) return this.drop("rx_malformed");
    const peer = this.indices.lookupAny(msg.receiver);
    if (peer === undefined) return this.drop("rx_unknown_index");
    if (!peer.cookies.consumeReply(msg, this.clock.now())) return this.drop("rx_bad_cookie");
    this.log.verbose(`${peer.label} - Received cookie reply`);
  }

  private receiveTransport(data: Uint8Array, from: Endpoint): void {
    const header = decodeTransportHeader(data);
    if (header === null) return this.drop("rx_malformed");
    const found = this.indices.lookupKeypair(header.receiver);
    if (found === undefined) return this.drop("rx_unknown_index");
    const { peer, keypair: kp } = found;
    const now = this.clock.now();
    if (now - kp.created >= REJECT_AFTER_TIME) return this.drop("rx_expired_keypair");
    if (header.counter >= REJECT_AFTER_MESSAGES) return this.drop("rx_replay");
    const plaintext = openTransport(kp.receiveKey, header.counter, data);
    if (plaintext === null) return this.drop("rx_decrypt_failed");
    if (!kp.replay.check(header.counter)) return this.drop("rx_replay");
    // Authenticated from here on: only now may the endpoint move (§8.3).
    peer.endpoint = from;
    if (peer.confirm(kp, this.indices)) {
      this.handshakeComplete(peer);
      this.sendStaged(peer);
    }
    this.keepKeyFreshReceiving(peer, now);
    peer.timers.anyAuthenticatedPacketTraversal(now, peer.persistentKeepalive);
    peer.timers.anyAuthenticatedPacketReceived();
    peer.rxBytes += BigInt(data.length);
    if (plaintext.length === 0) return; // keepalive
    peer.timers.dataReceived(now);
    const length = innerPacketLength(plaintext);
    if (length === null) return this.drop("rx_malformed_inner");
    const packet = plaintext.subarray(0, length);
    if (this.allowedIps.lookup(sourceAddressOf(packet)) !== peer) return this.drop("rx_source_check");
    this.io.deliver(packet);
  }

  private keepKeyFreshReceiving(peer: Peer, now: number): void {
    if (peer.timers.sentLastMinuteHandshake) return;
    const kp = peer.current;
    if (kp !== null && kp.isInitiator && now - kp.created > LAST_MINUTE_REKEY) {
      peer.timers.sentLastMinuteHandshake = true;
      this.sendInitiation(peer, false);
    }
  }

  // ---------------------------------------------------------------- helpers

  private peer(publicKey: Uint8Array): Peer | undefined {
    return this.peersByKey.get(hexKey(publicKey));
  }

  private computeStaticShared(peerPublic: Uint8Array): Uint8Array | null {
    return this.privateKeyObj === null ? null : dh(this.privateKeyObj, peerPublic);
  }

  /** WG-GO ExpireCurrentKeypairs: force a fresh handshake on the next send. */
  private expireCurrentKeypairs(peer: Peer): void {
    const hs = peer.handshake;
    if (hs.localIndex !== null) this.indices.deleteHandshake(hs.localIndex);
    hs.clear();
    hs.lastSentHandshake = null;
    peer.current?.expireForSending();
    peer.next?.expireForSending();
  }

  private drop(reason: DropReason, count = 1): void {
    if (count > 0) this.stats[reason] = (this.stats[reason] ?? 0) + count;
  }
}
