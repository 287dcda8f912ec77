// The UDP edge: up to four sockets (primary/alternate address x primary/
// alternate port). STUN is answered on all of them; plug messages are
// handed to the core and its answers leave through the socket named in
// the destination Source.
import { createSocket, type Socket } from "node:dgram";
import { isIPv6 } from "node:net";
import { classifyDatagram, normalizeEndpoint, type Endpoint } from "@plug/protocol";
import type { CoordCore } from "../core/coord-core.js";
import { DropReason } from "../core/metrics.js";
import { udpSource, type Send } from "../core/types.js";
import { answerBinding, type StunSocketInfo } from "../stun/responder.js";
import { literalLookup } from "./literal-lookup.js";

export interface UdpPlan {
  /** Index = addressIndex * 2 + portIndex; undefined where no socket exists. */
  readonly binds: readonly ({ address: string; port: number; advertisedAddress?: string } | undefined)[];
}

const isWildcard = (a: string): boolean => a === "0.0.0.0" || a === "::";

export class UdpServer {
  private readonly sockets: (Socket | undefined)[] = [];
  private info: (StunSocketInfo | undefined)[] = [];

  private constructor(
    private readonly core: CoordCore,
    private readonly now: () => number,
    private readonly deliverElsewhere: (s: Send) => void,
  ) {}

  static async start(plan: UdpPlan, core: CoordCore, now: () => number, deliverElsewhere: (s: Send) => void): Promise<UdpServer> {
    const server = new UdpServer(core, now, deliverElsewhere);
    try {
      // Primary address first, so that port 0 (tests) can be copied to the alternate address.
      const ports: number[] = [];
      for (let i = 0; i < plan.binds.length; i++) {
        const b = plan.binds[i];
        if (b === undefined) {
          server.sockets.push(undefined);
          continue;
        }
        const port = i >= 2 && b.port === 0 ? (ports[i & 1] ?? 0) : b.port;
        // A large receive buffer absorbs bursts (a flood, a relay burst) instead of losing the next good packet.
        const sock = createSocket({ type: isIPv6(b.address) ? "udp6" : "udp4", reuseAddr: false, recvBufferSize: 4 << 20, lookup: literalLookup });
        await new Promise<void>((resolve, reject) => {
          sock.once("error", reject);
          sock.bind(port, b.address, () => {
            sock.off("error", reject);
            resolve();
          });
        });
        const bound = sock.address().port;
        ports[i] = bound;
        const index = i;
        // An IPv4 socket's sources are already canonical; only IPv6 ones need normalizing (v4-mapped).
        sock.on("message", (msg, rinfo) =>
          server.onMessage(index, msg, rinfo.family === "IPv4" ? { family: 4, address: rinfo.address, port: rinfo.port } : normalizeEndpoint(rinfo.address, rinfo.port)),
        );
        sock.on("error", () => {});
        server.sockets.push(sock);
        const adv = b.advertisedAddress ?? (isWildcard(b.address) ? undefined : b.address);
        server.info[i] = adv !== undefined ? { advertised: { family: isIPv6(adv) ? 6 : 4, address: adv, port: bound } } : {};
      }
    } catch (e) {
      server.close();
      throw e;
    }
    return server;
  }

  /** The bound port of socket i. */
  port(i: number): number | undefined {
    return this.sockets[i]?.address().port;
  }

  private onMessage(index: number, msg: Buffer, from: Endpoint): void {
    try {
      this.dispatch(index, msg, from);
    } catch {
      this.core.metrics.drop(DropReason.InternalError);
    }
  }

  private dispatch(index: number, msg: Buffer, from: Endpoint): void {
    const now = this.now();
    const source = udpSource(index, from);
    const cls = classifyDatagram(msg);
    if (cls === "stun") {
      if (!this.core.admit(source, now)) return;
      this.stun(msg, from, index);
      return;
    }
    if (cls !== "plug") {
      // Classic RFC 3489 STUN clients have no magic cookie; everything else is noise.
      if (msg.length >= 20 && msg[0] === 0x00 && msg[1] === 0x01) {
        if (this.core.admit(source, now)) this.stun(msg, from, index);
        return;
      }
      this.core.metrics.drop(DropReason.UnknownType);
      return;
    }
    for (const s of this.core.handle(msg, source, now)) this.deliver(s);
  }

  private stun(msg: Buffer, from: Endpoint, index: number): void {
    this.core.metrics.stunRequests++;
    const out = answerBinding(msg, from, index, this.info);
    if (out.kind === "malformed") this.core.metrics.drop(DropReason.Malformed);
    if (out.kind !== "answer") return;
    this.core.metrics.stunResponses++;
    this.sockets[out.answer.socket]?.send(out.answer.bytes, from.port, from.address);
  }

  deliver(s: Send): void {
    if (s.to.transport !== "udp") {
      this.deliverElsewhere(s);
      return;
    }
    this.sockets[s.to.local]?.send(s.bytes, s.to.endpoint.port, s.to.endpoint.address);
  }

  close(): void {
    for (const s of this.sockets) s?.close();
    this.sockets.length = 0;
  }
}
