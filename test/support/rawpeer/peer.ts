// The raw peer's I/O edge: the sans-IO handshake/transport code above driven
// over one NsUdpSocket toward one daemon. Every step is explicit so checks can
// interleave forged, replayed and reordered packets between them.
import { randomBytes } from "node:crypto";
import { clampPrivateKey } from "@plug/wireguard";
import {
  consumeInitiation, consumeResponse, createInitiation, createResponse, type Identity, type Keypair,
  type PendingInitiation,
} from "./handshake.js";
import { decodeMessage, messageType } from "./messages.js";
import { openCookieReply } from "./macs.js";
import { dhPublic, tai64n } from "./primitives.js";
import { Session } from "./transport.js";
import type { Datagram, NsUdpSocket } from "./nsudp.js";

export function newIdentity(): Identity {
  const privateKey = clampPrivateKey(randomBytes(32));
  return { privateKey, publicKey: dhPublic(privateKey) };
}

export function randomIndex(): number {
  return randomBytes(4).readUInt32LE(0);
}

export interface RawPeerOptions {
  readonly identity: Identity;
  readonly daemonStatic: Uint8Array;
  readonly psk?: Uint8Array | null;
  readonly socket: NsUdpSocket;
  readonly daemonAddress: string;
  readonly daemonPort: number;
}

export type ResponseOutcome =
  | { readonly kind: "session"; readonly session: Session }
  | { readonly kind: "cookie"; readonly cookie: Uint8Array }
  | { readonly kind: "timeout" };

export class RawPeer {
  socket: NsUdpSocket;
  readonly identity: Identity;
  readonly daemonStatic: Uint8Array;
  readonly psk: Uint8Array | null;
  daemonAddress: string;
  daemonPort: number;
  cookie: Uint8Array | null = null;
  private lastTimestamp: Uint8Array = new Uint8Array(12);

  constructor(o: RawPeerOptions) {
    this.socket = o.socket;
    this.identity = o.identity;
    this.daemonStatic = o.daemonStatic;
    this.psk = o.psk ?? null;
    this.daemonAddress = o.daemonAddress;
    this.daemonPort = o.daemonPort;
  }

  /** Strictly increasing TAI64N: the daemon drops any initiation whose timestamp does not grow. */
  nextTimestamp(): Uint8Array {
    let ts = tai64n(Date.now());
    if (Buffer.compare(ts, this.lastTimestamp) <= 0) {
      const b = Buffer.from(this.lastTimestamp);
      const nanos = b.readUInt32BE(8) + 0x1000000;
      if (nanos >= 1e9) {
        b.writeBigUInt64BE(b.readBigUInt64BE(0) + 1n, 0);
        b.writeUInt32BE(0, 8);
      } else b.writeUInt32BE(nanos, 8);
      ts = new Uint8Array(b);
    }
    this.lastTimestamp = ts;
    return ts;
  }

  makeInitiation(cookie: Uint8Array | null = this.cookie): { bytes: Uint8Array; pending: PendingInitiation } {
    return createInitiation({
      local: this.identity, remoteStatic: this.daemonStatic, ephemeralPrivate: clampPrivateKey(randomBytes(32)),
      sender: randomIndex(), timestamp: this.nextTimestamp(), cookie,
    });
  }

  send(data: Uint8Array | readonly Uint8Array[]): Promise<void> {
    return this.socket.send(data, this.daemonAddress, this.daemonPort);
  }

  /** Waits for the response (or cookie reply) to `pending`; a cookie is opened and remembered. */
  async awaitResponse(pending: PendingInitiation, timeoutMs = 5000): Promise<ResponseOutcome> {
    const d = await this.socket.next((x) => {
      const m = decodeMessage(x.data);
      return (m?.type === 2 || m?.type === 3) && m.receiver === pending.sender;
    }, timeoutMs);
    if (!d) return { kind: "timeout" };
    const m = decodeMessage(d.data);
    if (m?.type === 3) {
      const cookie = openCookieReply(m.nonce, m.encryptedCookie, this.daemonStatic, pending.mac1);
      if (!cookie) throw new Error("cookie reply did not authenticate");
      this.cookie = cookie;
      return { kind: "cookie", cookie };
    }
    const kp = consumeResponse(pending, this.psk, d.data);
    if (!kp) throw new Error("handshake response did not authenticate");
    return { kind: "session", session: new Session(kp) };
  }

  /** Full initiator handshake: initiation, response, then the confirming keepalive (§4.4 step 8). */
  async handshake(timeoutMs = 5000): Promise<Session> {
    const { bytes, pending } = this.makeInitiation();
    await this.send(bytes);
    const r = await this.awaitResponse(pending, timeoutMs);
    if (r.kind !== "session") throw new Error(`handshake failed: ${r.kind}`);
    await this.send(r.session.seal(new Uint8Array(0)));
    return r.session;
  }

  /** Responder role: waits for the daemon's initiation, answers it, and returns the (unconfirmed) session. */
  async respond(timeoutMs = 10000): Promise<{ session: Session; initiation: Datagram; response: Uint8Array } | null> {
    const d = await this.socket.next((x) => messageType(x.data) === 1, timeoutMs);
    if (!d) return null;
    const { session, response } = this.prepareResponse(d.data);
    await this.send(response);
    return { session, initiation: d, response };
  }

  /** Builds the response to the daemon's initiation without sending it (for attacks on the pending handshake). */
  prepareResponse(initiation: Uint8Array): { session: Session; response: Uint8Array } {
    const consumed = consumeInitiation(this.identity, initiation);
    if (!consumed || Buffer.compare(consumed.remoteStatic, this.daemonStatic) !== 0) throw new Error("initiation from daemon did not authenticate");
    const { bytes, keypair } = createResponse({
      consumed, psk: this.psk, ephemeralPrivate: clampPrivateKey(randomBytes(32)), sender: randomIndex(), cookie: this.cookie,
    });
    return { session: new Session(keypair), response: bytes };
  }

  /** Next transport message on `session` that authenticates (others stay queued). */
  async receive(session: Session, timeoutMs = 5000): Promise<{ plaintext: Uint8Array; counter: bigint; replayed: boolean; datagram: Datagram } | null> {
    const d = await this.socket.next((x) => {
      const m = decodeMessage(x.data);
      return m?.type === 4 && m.receiver === session.keypair.localIndex;
    }, timeoutMs);
    if (!d) return null;
    const o = session.open(d.data);
    if (!o) throw new Error("transport message from daemon did not authenticate");
    return { ...o, datagram: d };
  }
}

export type { Keypair };
