// plugd's side of the coordd link (docs/PROTOCOL.md §6–7): one LinkClient
// session, the set of registrations to hold (one per peer and active epoch),
// refreshes every 25 s, retries with backoff while coordd does not answer,
// and the fallback to the WebSocket transport when UDP gets no answer at all
// (a network that blocks UDP). The caller provides the sealed bodies and
// the datagram sender; this class decides when to send what.
import {
  LinkClient,
  MessageType,
  REFRESH_INTERVAL_SECONDS,
  RegisterFlag,
  type RegisterBody,
  type ServerMessage,
} from "@plug/protocol";
import type { Logger } from "@plug/wireguard";
import { webSocketEndpoint, WsLink } from "./ws-link.js";

export type LinkTransport = "udp" | "ws";

export interface LinkHooks {
  /** Sends a datagram to coordd's UDP address from the WireGuard socket; false when unknown yet. */
  sendUdp(bytes: Uint8Array): boolean;
  /** The bodies to register now (one per rid), sealed with the current candidates. */
  bodies(): RegisterBody[];
  onMessage(message: ServerMessage, transport: LinkTransport): void;
  /** A RELAY frame from coordd (either transport). */
  onRelay(frame: Uint8Array): void;
  /** The transport changed (UDP → WebSocket or back): relay endpoints need re-routing. */
  onTransport(transport: LinkTransport): void;
  /** Asks the caller to look the coordinator up again (DNS) after silence. */
  onSilence(): void;
  /** Something became due outside pump() (the WebSocket opened): call pump() soon. */
  wake(): void;
}

const REFRESH_MS = REFRESH_INTERVAL_SECONDS * 1000;
const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 16_000;
/**
 * UDP unanswered this long with a WebSocket URL configured: switch. coordd
 * answers a REGISTER within a round trip (a cookie exchange takes two), so a
 * second of total silence (three sends) means the network drops UDP, or
 * coordd is very far away — and then the WebSocket costs nothing but the
 * relay's first frames: peers still probe each other over UDP and move to a
 * direct path when one answers. Any answer at all over UDP (even a cookie
 * reply) proves UDP works, and then the link never switches.
 */
const UDP_GIVE_UP_MS = 1_000;

export class CoordinatorLink {
  private client: LinkClient;
  private transport: LinkTransport = "udp";
  private ws: WsLink | null = null;
  private nextSendAt = 0;
  private retryMs = RETRY_MIN_MS;
  /** When the current unanswered streak began (null: last send answered). */
  private unansweredSince: number | null = null;
  private lastAckAt: number | null = null;
  /** coordd answered something over UDP in this network: UDP works here. */
  private udpAnswered = false;
  private withdrawn = new Map<string, RegisterBody>();
  readonly stats = { registersSent: 0, acks: 0, pushes: 0, transportSwitches: 0 };

  constructor(
    private readonly serverKey: Uint8Array,
    private readonly wsUrl: string | null,
    private readonly hooks: LinkHooks,
    private readonly log: Logger,
    private readonly now: () => number,
  ) {
    this.client = new LinkClient(serverKey);
  }

  get currentTransport(): LinkTransport {
    return this.transport;
  }

  /** Milliseconds since coordd last acknowledged anything, or null if it never did. */
  get lastAck(): number | null {
    return this.lastAckAt;
  }

  get reachable(): boolean {
    return this.lastAckAt !== null && this.now() - this.lastAckAt < 2 * REFRESH_MS + 5_000;
  }

  /** Something to tell coordd changed (candidates, peers, address): register everything now. */
  registerSoon(): void {
    this.nextSendAt = 0;
  }

  /**
   * A local network change: a new path to coordd, so start over on UDP (the
   * new network may allow it). Only here: probing UDP from a working
   * WebSocket on a timer would interrupt the relay every time.
   */
  networkChanged(): void {
    if (this.transport === "ws") this.useTransport("udp");
    this.udpAnswered = false;
    this.unansweredSince = null;
    this.retryMs = RETRY_MIN_MS;
    this.nextSendAt = 0;
  }

  /** Registrations that stopped being needed (peer removed, epoch passed) are withdrawn once. */
  withdraw(body: RegisterBody): void {
    this.withdrawn.set(Buffer.from(body.rid).toString("hex"), { ...body, flags: RegisterFlag.Withdraw, sealed: new Uint8Array(0) });
    this.nextSendAt = 0;
  }

  /** Sends what is due. Returns the next deadline. */
  pump(): number {
    const now = this.now();
    if (now < this.nextSendAt) return this.nextSendAt;
    const bodies = [...this.hooks.bodies(), ...this.withdrawn.values()];
    this.withdrawn.clear();
    let sent = false;
    for (const body of bodies) sent = this.send(this.client.register(body)) || sent;
    if (sent) this.stats.registersSent += bodies.length;
    if (bodies.length === 0) {
      this.nextSendAt = now + REFRESH_MS;
      return this.nextSendAt;
    }
    // Silence only counts from a REGISTER that really left (coordd's address may still be resolving).
    if (this.unansweredSince === null && sent) this.unansweredSince = now;
    if (this.unansweredSince === null) {
      this.nextSendAt = now + this.retryMs;
      this.retryMs = Math.min(RETRY_MAX_MS, this.retryMs * 2);
      return this.nextSendAt;
    }
    if (this.transport === "udp" && !this.udpAnswered && this.wsUrl !== null && now - this.unansweredSince >= UDP_GIVE_UP_MS) {
      this.log.info(`Coordinator does not answer over UDP; switching to WebSocket ${this.wsUrl}`);
      this.useTransport("ws");
      this.unansweredSince = null;
      this.retryMs = RETRY_MIN_MS;
      this.nextSendAt = now + RETRY_MIN_MS;
      return this.nextSendAt;
    }
    if (now - this.unansweredSince > 30_000 && this.retryMs >= RETRY_MAX_MS) this.hooks.onSilence();
    // Unanswered so far: retry with backoff; an ACK moves the next send to the refresh interval.
    this.nextSendAt = now + this.retryMs;
    if (this.transport === "udp" && !this.udpAnswered && this.wsUrl !== null) this.nextSendAt = Math.min(this.nextSendAt, this.unansweredSince + UDP_GIVE_UP_MS);
    this.retryMs = Math.min(RETRY_MAX_MS, this.retryMs * 2);
    return this.nextSendAt;
  }

  /** A datagram (UDP, from coordd's address) or WebSocket message from coordd. */
  receive(bytes: Uint8Array, via: LinkTransport): void {
    if (bytes[0] === MessageType.Relay) {
      this.hooks.onRelay(bytes);
      return;
    }
    const events = this.client.receive(bytes);
    if (via === "udp" && events.length > 0) this.udpAnswered = true;
    for (const event of events) {
      if (event.kind === "send") {
        this.send(event.bytes);
        continue;
      }
      const m = event.message;
      if (m.kind === "ack") {
        this.stats.acks++;
        this.lastAckAt = this.now();
        if (this.unansweredSince !== null) {
          this.unansweredSince = null;
          this.retryMs = RETRY_MIN_MS;
          this.nextSendAt = this.now() + REFRESH_MS;
        }
      } else {
        this.stats.pushes++;
      }
      this.hooks.onMessage(m, via);
    }
  }

  /** Sends a RELAY frame over the current transport. */
  sendRelay(frame: Uint8Array): boolean {
    return this.send(frame);
  }

  close(): void {
    this.ws?.stop();
    this.ws = null;
  }

  /** Registrations are withdrawn on shutdown so the partner learns at once (best effort, no waiting). */
  withdrawAll(bodies: readonly RegisterBody[]): void {
    for (const body of bodies) this.send(this.client.register({ ...body, flags: RegisterFlag.Withdraw, sealed: new Uint8Array(0) }));
  }

  private send(bytes: Uint8Array): boolean {
    if (this.transport === "ws") return this.ws?.send(bytes) ?? false;
    return this.hooks.sendUdp(bytes);
  }

  private useTransport(t: LinkTransport): void {
    if (t === this.transport) return;
    this.transport = t;
    this.stats.transportSwitches++;
    if (t === "ws" && this.wsUrl !== null) {
      // A new session: coordd binds cookies to the transport and address.
      this.client = new LinkClient(this.serverKey);
      this.ws ??= new WsLink(webSocketEndpoint(this.wsUrl), {
        onOpen: () => {
          this.nextSendAt = 0;
          this.hooks.wake();
        },
        onMessage: (data) => this.receive(data, "ws"),
        onClose: (reason) => this.log.info(`Coordinator WebSocket ${reason}`),
      });
      this.ws.start();
    } else {
      this.ws?.stop();
      this.ws = null;
      this.client = new LinkClient(this.serverKey);
    }
    this.hooks.onTransport(t);
  }
}
