// The sans-IO WireGuard device: peers, handshakes, sessions and all §6 timers.
// Inputs are datagrams, TUN packets, configuration calls and tick(); outputs
// go through CoreIo. Time and randomness come from CoreOptions, so two cores
// wired together under a fake clock behave exactly like two real peers.
// Nothing that arrives from the network may throw: every dropped input
// increments one named counter in `stats`.
//
// This file holds the configuration and the wiring; the protocol paths are
// split by concern as in WG-GO's device/: send-path.ts (TUN → transport,
// initiations, keepalives), receive-path.ts (datagram dispatch, transport
// receive), handshake-path.ts (handshake messages and the §5.3 gate) and
// timers.ts (deadlines and their dispatch; the handlers are below).
import type { Endpoint, Prefix } from "../net/address.js";
import type { Logger } from "../log/logger.js";
import type { PeerSnapshot } from "../device/control.js";
import { bytesEqual, clampPrivateKey, isZeroKey } from "../crypto/keys.js";
import { dh, privateKeyObject, x25519PublicKey, type X25519PrivateKey } from "../crypto/x25519.js";
import { Tai64nGenerator } from "../crypto/tai64n.js";
import { CookieChecker } from "../noise/cookie.js";
import { AllowedIps } from "../routing/allowed-ips.js";
import { HandshakeRateLimiter } from "../ratelimit/ratelimiter.js";
import { KEEPALIVE_TIMEOUT, MAX_TIMER_HANDSHAKES, REKEY_TIMEOUT, ZERO_KEY_TIMEOUT } from "./constants.js";
import { DROP_REASONS, type Drop } from "./drop-reasons.js";
import { HandshakePath } from "./handshake-path.js";
import { IndexTable } from "./index-table.js";
import { LoadMonitor } from "./load-monitor.js";
import { Peer } from "./peer.js";
import { ReceivePath } from "./receive-path.js";
import { SendPath } from "./send-path.js";
import { fireExpiredTimers, type TimerHandlers } from "./timers.js";
import type { Clock, CoreOptions, CoreStats } from "./types.js";

export { DROP_REASONS, type DropReason } from "./drop-reasons.js";

const hexKey = (k: Uint8Array): string => Buffer.from(k).toString("hex");

export class DeviceCore {
  readonly stats: CoreStats = Object.fromEntries(DROP_REASONS.map((r) => [r, 0]));

  private readonly clock: Clock;
  private readonly log: Logger;
  private mtu: number;
  private isUp = false;

  private privateKey: Uint8Array | null = null;
  private privateKeyObj: X25519PrivateKey | null = null;
  private publicKey: Uint8Array | null = null;

  private readonly peersByKey = new Map<string, Peer>();
  private readonly indices: IndexTable<Peer>;
  private readonly allowedIps = new AllowedIps<Peer>();
  private readonly cookieChecker: CookieChecker;

  private readonly send: SendPath;
  private readonly receive: ReceivePath;

  constructor(options: CoreOptions) {
    const { clock, io, log, randomBytes: random } = options;
    this.clock = clock;
    this.log = log;
    this.mtu = options.mtu;
    this.indices = new IndexTable<Peer>(random);
    this.cookieChecker = new CookieChecker(random);
    const { indices, allowedIps, drop } = this;
    const isUp = (): boolean => this.isUp;
    const localPublicKey = (): Uint8Array | null => this.publicKey;
    this.send = new SendPath({
      clock, io, log, random, drop, indices, allowedIps,
      tai64n: new Tai64nGenerator(() => clock.wall()),
      isUp,
      mtu: () => this.mtu,
      localPublicKey,
    });
    const handshakes = new HandshakePath({
      clock, io, log, random, drop, indices,
      cookieChecker: this.cookieChecker,
      rateLimiter: new HandshakeRateLimiter(() => clock.now()),
      load: new LoadMonitor(),
      localPrivateKey: () => this.privateKeyObj,
      localPublicKey,
      peerByPublicKey: (publicKey) => this.peer(publicKey),
      send: this.send,
    });
    this.receive = new ReceivePath({ clock, io, log, drop, indices, allowedIps, isUp, handshakes, send: this.send });
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
    else if (wasOff && this.isUp) this.send.sendKeepalive(peer);
  }

  /** A keepalive now (the send path starts a handshake first if there is no session). */
  nudgePeer(publicKey: Uint8Array): void {
    const peer = this.peer(publicKey);
    if (peer !== undefined && this.isUp) this.send.sendKeepalive(peer);
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
      if (peer.persistentKeepalive > 0) this.send.sendKeepalive(peer);
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

  // ---------------------------------------------------------------- inputs

  /** A batch read from the TUN. Ownership of the packets passes to the core. */
  handleTunPackets(packets: readonly Uint8Array[]): void {
    this.send.handleTunPackets(packets);
  }

  /** Ownership of `data` passes to the core: transport messages are decrypted in place. */
  handleDatagram(data: Uint8Array, from: Endpoint): void {
    this.receive.handleDatagram(data, from);
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
    for (const peer of [...this.peersByKey.values()]) fireExpiredTimers(peer, now, this.timerHandlers);
  }

  private readonly timerHandlers: TimerHandlers<Peer> = {
    retransmitHandshake: (peer) => {
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
      this.send.sendInitiation(peer, true);
    },
    sendKeepalive: (peer) => this.send.sendKeepalive(peer),
    newHandshake: (peer) => {
      this.log.verbose(`${peer.label} - Retrying handshake because we stopped hearing back after ${(KEEPALIVE_TIMEOUT + REKEY_TIMEOUT) / 1000} seconds`);
      this.send.sendInitiation(peer, false);
    },
    zeroKeyMaterial: (peer) => {
      this.log.verbose(`${peer.label} - Removing all keys, since we haven't received a new one in ${ZERO_KEY_TIMEOUT / 1000} seconds`);
      peer.zeroKeys(this.indices);
      this.stats.tx_flushed = (this.stats.tx_flushed ?? 0) + peer.staged.length;
      peer.staged = [];
    },
    persistentKeepalive: (peer) => {
      if (peer.persistentKeepalive > 0) this.send.sendKeepalive(peer);
    },
  };

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

  private readonly drop: Drop = (reason, count = 1) => {
    if (count > 0) this.stats[reason] = (this.stats[reason] ?? 0) + count;
  };
}
