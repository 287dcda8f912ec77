// Handshake messages in (WG-GO receive.go, RoutineHandshake): the §5.3
// mac1 / under-load / cookie / rate-limit gate, consuming initiations and
// responses, creating the response, and cookie replies for our own messages.
import type { X25519PrivateKey } from "../crypto/x25519.js";
import { parseIp, type Endpoint } from "../net/address.js";
import type { Logger } from "../log/logger.js";
import { clampPrivateKey } from "../crypto/keys.js";
import { compareTai64n } from "../crypto/tai64n.js";
import { ZERO_KEY } from "../noise/constants.js";
import { encodeCookieSource, type CookieChecker } from "../noise/cookie.js";
import { commitInitiation, consumeResponse, createResponse, finishInitiation, openInitiation } from "../noise/handshake.js";
import { Keypair } from "../noise/keypair.js";
import { decodeCookieReply, decodeInitiation, decodeResponse, INITIATION_LENGTH, RESPONSE_LENGTH } from "../noise/messages.js";
import { ReplayWindow } from "../replay/replay-window.js";
import type { HandshakeRateLimiter } from "../ratelimit/ratelimiter.js";
import { INITIATION_FLOOD_MS } from "./constants.js";
import type { Drop } from "./drop-reasons.js";
import type { IndexTable } from "./index-table.js";
import type { LoadMonitor } from "./load-monitor.js";
import type { Peer } from "./peer.js";
import type { SendPath } from "./send-path.js";
import type { Clock, CoreIo } from "./types.js";

export interface HandshakePathDeps {
  clock: Clock;
  io: CoreIo;
  log: Logger;
  random: (n: number) => Uint8Array;
  drop: Drop;
  indices: IndexTable<Peer>;
  cookieChecker: CookieChecker;
  rateLimiter: HandshakeRateLimiter;
  load: LoadMonitor;
  /** Our static key pair as currently configured. */
  localPrivateKey: () => X25519PrivateKey | null;
  localPublicKey: () => Uint8Array | null;
  peerByPublicKey: (publicKey: Uint8Array) => Peer | undefined;
  /** The initiator confirms a new session at once (§4.4 step 8). */
  send: Pick<SendPath, "sendKeepalive">;
}

/** A session was confirmed: stops retransmission and is what `wg show` reports as the latest handshake. */
export function handshakeComplete(peer: Peer, clock: Clock): void {
  peer.timers.handshakeComplete();
  peer.lastHandshake = clock.wall();
}

export class HandshakePath {
  constructor(private readonly d: HandshakePathDeps) {}

  /**
   * §5.3 for types 1 and 2: mac1, then under load mac2 (or a cookie reply) and
   * the per-source rate limit. Only mac1-valid messages count towards load:
   * they are the ones that cost DH work, which is what cookies protect; a
   * bad mac1 costs one BLAKE2s and is never answered, loaded or not.
   */
  private admit(data: Uint8Array, from: Endpoint, now: number): boolean {
    const { cookieChecker, drop } = this.d;
    if (!cookieChecker.checkMac1(data)) {
      drop("rx_bad_mac1");
      return false;
    }
    if (!this.d.load.arrive(now)) return true;
    let ip: Uint8Array;
    try {
      ip = parseIp(from.address);
    } catch {
      drop("rx_malformed");
      return false;
    }
    const source = encodeCookieSource(ip, from.port);
    const verdict = cookieChecker.verifyMac2OrReply(data, source, now);
    if (!verdict.valid) {
      if (verdict.reply !== null) this.d.io.send(verdict.reply, from);
      drop("rx_cookie_sent");
      return false;
    }
    if (!this.d.rateLimiter.allow(ip)) {
      drop("rx_rate_limited");
      return false;
    }
    return true;
  }

  receiveInitiation(data: Uint8Array, from: Endpoint): void {
    const { drop, indices } = this.d;
    const now = this.d.clock.now();
    if (!this.admit(data, from, now)) return;
    const msg = decodeInitiation(data);
    const localPrivate = this.d.localPrivateKey();
    const localPublic = this.d.localPublicKey();
    if (msg === null || localPrivate === null || localPublic === null) return drop("rx_handshake_failed");
    const opened = openInitiation(msg, localPrivate, localPublic);
    if (opened === null) return drop("rx_handshake_failed");
    const peer = this.d.peerByPublicKey(opened.initiatorStatic);
    if (peer === undefined) return drop("rx_unknown_peer");
    const consumed = finishInitiation(msg, opened, peer.staticShared);
    if (consumed === null) return drop("rx_handshake_failed");
    const hs = peer.handshake;
    if (hs.greatestTimestamp !== null && compareTai64n(consumed.timestamp, hs.greatestTimestamp) <= 0) {
      return drop("rx_handshake_replay");
    }
    if (hs.lastInitiationConsumed !== null && now - hs.lastInitiationConsumed < INITIATION_FLOOD_MS) {
      return drop("rx_handshake_flood");
    }
    // Our own pending initiation (if any) is replaced: its index must stop matching (§6.7).
    if (hs.localIndex !== null) indices.deleteHandshake(hs.localIndex);
    commitInitiation(hs, msg, consumed, now);
    this.d.log.verbose(`${peer.label} - Received handshake initiation`);
    peer.endpoint = from;
    peer.receivedAuthenticated(now, INITIATION_LENGTH);
    this.sendResponse(peer, now);
  }

  private sendResponse(peer: Peer, now: number): void {
    const { indices } = this.d;
    const hs = peer.handshake;
    const to = peer.endpoint;
    if (this.d.localPublicKey() === null || to === null) return;
    hs.lastSentHandshake = now;
    const index = indices.newHandshakeIndex(peer);
    const created = createResponse(hs, {
      initiatorStatic: peer.publicKey,
      ephemeralPrivate: clampPrivateKey(this.d.random(32)),
      senderIndex: index,
      presharedKey: peer.presharedKey ?? ZERO_KEY,
    });
    if (created === null) {
      indices.deleteHandshake(index);
      hs.clear();
      this.d.drop("rx_handshake_failed");
      return;
    }
    peer.cookies.addMacs(created.message, now);
    const kp = new Keypair(created.keys, false, now, index, hs.remoteIndex, new ReplayWindow());
    indices.convertToKeypair(index, kp);
    hs.clear();
    peer.installAsResponder(kp, indices);
    this.d.log.verbose(`${peer.label} - Sending handshake response`);
    peer.timers.sessionDerived(now);
    peer.timers.anyAuthenticatedPacketTraversal(now, peer.persistentKeepalive);
    peer.timers.anyAuthenticatedPacketSent();
    peer.txBytes += BigInt(created.message.length);
    this.d.io.send(created.message, to);
  }

  receiveResponse(data: Uint8Array, from: Endpoint): void {
    const { drop, indices } = this.d;
    const now = this.d.clock.now();
    if (!this.admit(data, from, now)) return;
    const msg = decodeResponse(data);
    if (msg === null) return drop("rx_malformed");
    const peer = indices.lookupHandshake(msg.receiver);
    if (peer === undefined) return drop("rx_unknown_index");
    const localPrivate = this.d.localPrivateKey();
    if (localPrivate === null) return drop("rx_handshake_failed");
    const keys = consumeResponse(peer.handshake, msg, {
      localPrivate,
      presharedKey: peer.presharedKey ?? ZERO_KEY,
    });
    if (keys === null) return drop("rx_handshake_failed");
    const kp = new Keypair(keys, true, now, msg.receiver, msg.sender, new ReplayWindow());
    indices.convertToKeypair(msg.receiver, kp);
    peer.handshake.clear();
    this.d.log.verbose(`${peer.label} - Received handshake response`);
    peer.endpoint = from;
    peer.receivedAuthenticated(now, RESPONSE_LENGTH);
    peer.installAsInitiator(kp, indices);
    peer.timers.sessionDerived(now);
    handshakeComplete(peer, this.d.clock);
    // Key confirmation for the responder: queued data, or else a keepalive, right away (§4.4 step 8).
    this.d.send.sendKeepalive(peer);
  }

  receiveCookieReply(data: Uint8Array): void {
    const { drop } = this.d;
    const msg = decodeCookieReply(data);
    if (msg === null) return drop("rx_malformed");
    const peer = this.d.indices.lookupAny(msg.receiver);
    if (peer === undefined) return drop("rx_unknown_index");
    if (!peer.cookies.consumeReply(msg, this.d.clock.now())) return drop("rx_bad_cookie");
    this.d.log.verbose(`${peer.label} - Received cookie reply`);
  }
}
