// The I/O edge of PmpPcpSession: a UDP socket connected to the gateway's
// port 5351 (connected, so ICMP port-unreachable fails fast instead of
// waiting out the retransmission schedule) and one timer.
import { createSocket, type Socket } from "node:dgram";
import { isIPv6 } from "node:net";
import { systemClock, systemRandom, type Clock, type RandomSource } from "../time/clock.js";
import type { MappingKeeper, MappingEventListener } from "../mapping/keeper.js";
import type { MappingRequest, PortMapping } from "../mapping/types.js";
import { PortMappingError } from "./errors.js";
import { NATPMP_PORT } from "./natpmp-codec.js";
import { PmpPcpSession, type PmpPcpProtocol, type SessionOutput } from "./session.js";

const ANNOUNCE_GROUP = "224.0.0.1";
const ANNOUNCE_PORT = 5350;

export interface PmpPcpClientOptions {
  readonly gateway: string;
  readonly request: MappingRequest;
  readonly protocols?: readonly PmpPcpProtocol[];
  readonly pcpGiveUpMs?: number;
  readonly natPmpTries?: number;
  readonly onEvent?: MappingEventListener;
  readonly clock?: Clock;
  readonly random?: RandomSource;
  /**
   * Listen on 224.0.0.1:5350 for the gateway's restart announcements (PCP
   * ANNOUNCE, NAT-PMP address notices), so a reboot is noticed at once rather
   * than at the next renewal. Default true for IPv4 gateways.
   */
  readonly announcements?: boolean;
  /** Gateway port; tests only (the protocols fix it at 5351). */
  readonly port?: number;
}

export class PmpPcpClient implements MappingKeeper {
  private socket: Socket | undefined;
  private announceSocket: Socket | undefined;
  private session: PmpPcpSession | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly clock: Clock;
  private starting: { resolve: (m: PortMapping) => void; reject: (e: Error) => void } | undefined;
  private stopping: (() => void) | undefined;

  constructor(private readonly options: PmpPcpClientOptions) {
    this.clock = options.clock ?? systemClock;
  }

  get method(): "pcp" | "nat-pmp" {
    return this.session?.current?.method === "nat-pmp" ? "nat-pmp" : "pcp";
  }

  get current(): PortMapping | undefined {
    return this.session?.current;
  }

  get stats(): PmpPcpSession["stats"] | undefined {
    return this.session?.stats;
  }

  async start(): Promise<PortMapping> {
    if (this.socket !== undefined) throw new Error("already started");
    const socket = createSocket(isIPv6(this.options.gateway) ? "udp6" : "udp4");
    this.socket = socket;
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.connect(this.options.port ?? NATPMP_PORT, this.options.gateway, () => {
        socket.off("error", reject);
        resolve();
      });
    });
    socket.on("error", (e: NodeJS.ErrnoException) => this.onSocketError(e));
    socket.on("message", (msg) => this.apply(this.session?.receive(new Uint8Array(msg), this.clock.now()) ?? []));
    this.session = new PmpPcpSession({
      request: this.options.request,
      clientAddress: socket.address().address,
      random: this.options.random ?? systemRandom,
      ...(this.options.protocols ? { protocols: this.options.protocols } : {}),
      ...(this.options.pcpGiveUpMs !== undefined ? { pcpGiveUpMs: this.options.pcpGiveUpMs } : {}),
      ...(this.options.natPmpTries !== undefined ? { natPmpTries: this.options.natPmpTries } : {}),
    });
    if (this.options.announcements ?? !isIPv6(this.options.gateway)) this.listenAnnouncements();
    const first = new Promise<PortMapping>((resolve, reject) => (this.starting = { resolve, reject }));
    this.apply(this.session.start(this.clock.now()));
    return first;
  }

  renewNow(): void {
    if (this.session) this.apply(this.session.renewNow(this.clock.now()));
  }

  async stop(): Promise<void> {
    const session = this.session;
    if (session === undefined || this.socket === undefined) return this.close();
    const done = new Promise<void>((resolve) => (this.stopping = resolve));
    this.apply(session.stop(this.clock.now()));
    await done;
  }

  private listenAnnouncements(): void {
    // Several clients on one host share the port; announcements are multicast, so each gets a copy.
    const s = createSocket({ type: "udp4", reuseAddr: true });
    this.announceSocket = s;
    s.on("error", () => {
      // Optional: without it, reboots are still found at the next renewal.
      s.close();
      if (this.announceSocket === s) this.announceSocket = undefined;
    });
    s.on("message", (msg, rinfo) => {
      // Only the gateway's word counts; anyone on the LAN can multicast.
      if (rinfo.address !== this.options.gateway || this.session === undefined) return;
      this.apply(this.session.announcement(new Uint8Array(msg), this.clock.now()));
    });
    s.bind(ANNOUNCE_PORT, () => {
      try {
        s.addMembership(ANNOUNCE_GROUP);
      } catch {
        // 224.0.0.1 is joined by every host already; some kernels refuse a second join.
      }
    });
  }

  release(): void {
    this.starting = undefined;
    this.close();
  }

  private onSocketError(e: NodeJS.ErrnoException): void {
    // ECONNREFUSED: nothing listens on 5351 (ICMP port unreachable). Fail fast rather than retry for minutes.
    if (this.starting !== undefined && this.session?.current === undefined) {
      const s = this.starting;
      this.starting = undefined;
      s.reject(new PortMappingError("pcp", undefined, e.code ?? "SOCKET_ERROR", `gateway ${this.options.gateway}: ${e.message}`));
      this.close();
    } else if (this.stopping) {
      this.close();
    }
  }

  private apply(outputs: SessionOutput[]): void {
    for (const o of outputs) {
      switch (o.kind) {
        case "send":
          this.socket?.send(o.bytes);
          break;
        case "mapped":
          if (this.starting) {
            this.starting.resolve(o.mapping);
            this.starting = undefined;
          }
          this.options.onEvent?.(o);
          break;
        case "lost":
          this.options.onEvent?.(o);
          break;
        case "failed":
          if (this.starting) {
            this.starting.reject(o.error);
            this.starting = undefined;
            this.close();
            return;
          }
          this.options.onEvent?.(o);
          break;
        case "deleted":
          this.options.onEvent?.(o);
          this.close();
          return;
      }
    }
    this.arm();
  }

  private arm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const deadline = this.session?.deadline;
    if (deadline === undefined || this.socket === undefined) return;
    this.timer = setTimeout(() => {
      const s = this.session;
      if (s) this.apply(s.onTimer(this.clock.now()));
    }, Math.max(0, deadline - this.clock.now()));
  }

  private close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.socket?.close();
    this.socket = undefined;
    this.announceSocket?.close();
    this.announceSocket = undefined;
    const s = this.stopping;
    this.stopping = undefined;
    s?.();
  }
}
