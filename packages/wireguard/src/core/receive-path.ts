// The receive path (WG-GO receive.go): classify each datagram and dispatch it,
// and for transport messages decrypt, replay-check, move the endpoint, confirm
// a pending session, run the §6.5 receive-side rekey trigger, and deliver the
// inner packet only if its source is routed to the sending peer.
import { formatEndpoint, type Endpoint } from "../net/address.js";
import type { Logger } from "../log/logger.js";
import { counterRejected } from "../noise/keypair.js";
import { classify, MessageType } from "../noise/messages.js";
import { innerPacketLength, openTransport, sourceAddressOf, transportCounterHigh, transportCounterLow, transportReceiverOf } from "../noise/transport.js";
import type { AllowedIps } from "../routing/allowed-ips.js";
import { LAST_MINUTE_REKEY, REJECT_AFTER_TIME } from "./constants.js";
import type { Drop } from "./drop-reasons.js";
import { handshakeComplete, type HandshakePath } from "./handshake-path.js";
import type { IndexTable } from "./index-table.js";
import type { Peer } from "./peer.js";
import type { SendPath } from "./send-path.js";
import type { Clock, CoreIo } from "./types.js";

export interface ReceivePathDeps {
  clock: Clock;
  io: CoreIo;
  log: Logger;
  drop: Drop;
  indices: IndexTable<Peer>;
  allowedIps: AllowedIps<Peer>;
  isUp: () => boolean;
  handshakes: Pick<HandshakePath, "receiveInitiation" | "receiveResponse" | "receiveCookieReply">;
  send: Pick<SendPath, "sendStaged" | "sendInitiation">;
}

export class ReceivePath {
  constructor(private readonly d: ReceivePathDeps) {}

  handleDatagram(data: Uint8Array, from: Endpoint): void {
    const { drop, handshakes } = this.d;
    try {
      const type = classify(data);
      if (type === null) return drop("rx_malformed");
      if (!this.d.isUp()) return drop("rx_device_down");
      switch (type) {
        case MessageType.Initiation:
          return handshakes.receiveInitiation(data, from);
        case MessageType.Response:
          return handshakes.receiveResponse(data, from);
        case MessageType.CookieReply:
          return handshakes.receiveCookieReply(data);
        case MessageType.Transport:
          return this.receiveTransport(data, from);
      }
    } catch (err) {
      // A bug, not an attack: keep running, but make it visible.
      drop("rx_internal_error");
      this.d.log.error(`dropping datagram from ${formatEndpoint(from)}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** `data` was classified as a transport message by handleDatagram (type 4, at least 32 bytes). */
  private receiveTransport(data: Uint8Array, from: Endpoint): void {
    const { drop } = this.d;
    const found = this.d.indices.lookupKeypair(transportReceiverOf(data));
    if (found === undefined) return drop("rx_unknown_index");
    const { peer, keypair: kp } = found;
    const now = this.d.clock.now();
    if (now - kp.created >= REJECT_AFTER_TIME) return drop("rx_expired_keypair");
    const counterHi = transportCounterHigh(data);
    const counterLo = transportCounterLow(data);
    if (counterRejected(counterHi, counterLo)) return drop("rx_replay");
    const plaintext = openTransport(kp.receiveKey, data);
    if (plaintext === null) return drop("rx_decrypt_failed");
    if (!kp.replay.checkHalves(counterHi, counterLo)) return drop("rx_replay");
    // Authenticated from here on: only now may the endpoint move (§8.3).
    peer.endpoint = from;
    if (peer.confirm(kp, this.d.indices)) {
      handshakeComplete(peer, this.d.clock);
      this.d.send.sendStaged(peer);
    }
    this.keepKeyFreshReceiving(peer, now);
    peer.receivedAuthenticated(now, data.length);
    if (plaintext.length === 0) return; // keepalive
    peer.timers.dataReceived(now);
    const length = innerPacketLength(plaintext);
    if (length === null) return drop("rx_malformed_inner");
    const packet = plaintext.subarray(0, length);
    if (this.d.allowedIps.lookup(sourceAddressOf(packet)) !== peer) return drop("rx_source_check");
    this.d.io.deliver(packet);
  }

  private keepKeyFreshReceiving(peer: Peer, now: number): void {
    if (peer.timers.sentLastMinuteHandshake) return;
    const kp = peer.current;
    if (kp !== null && kp.isInitiator && now - kp.created > LAST_MINUTE_REKEY) {
      peer.timers.sentLastMinuteHandshake = true;
      this.d.send.sendInitiation(peer, false);
    }
  }
}
