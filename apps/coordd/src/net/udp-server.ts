// The UDP edge: up to four sockets (primary/alternate address x primary/
// alternate port). STUN is answered on all of them; plug messages are
// handed to the core and its answers leave through the socket named in
// the destination Source.
//
// The sockets are @plug/fastpath's BatchUdpSocket, not node:dgram: one
// recvmmsg per wakeup hands over up to 64 datagrams in one JS call, and
// everything the batch produces (answers, pushes, relayed frames) leaves in
// one sendmmsg per socket when the batch is done. node:dgram costs a syscall
// and a JS callback per datagram each way, which bounded the relay below
// 100,000 packets per CPU-second.
import { isIPv6 } from "node:net";
import { BatchUdpSocket, decodeUdpAddress, encodeUdpAddress, UDP_RECORD_SIZE } from "@plug/fastpath";
import { classifyDatagram, normalizeEndpoint } from "@plug/protocol";
import type { CoordCore } from "../core/coord-core.js";
import { DropReason } from "../core/metrics.js";
import { udpSource, type Send, type Source } from "../core/types.js";
import { answerBinding, type StunSocketInfo } from "../stun/responder.js";
import { SendQueue } from "./send-queue.js";
import { SourceCache } from "./source-cache.js";

export interface UdpPlan {
  /** Index = addressIndex * 2 + portIndex; undefined where no socket exists. */
  readonly binds: readonly ({ address: string; port: number; advertisedAddress?: string } | undefined)[];
}

const isWildcard = (a: string): boolean => a === "0.0.0.0" || a === "::";

/** A large receive buffer absorbs bursts (a flood, a relay burst) instead of losing the next good packet. */
const SOCKET_BUFFER_BYTES = 4 << 20;

/**
 * A full batch of new-session registrations takes a few milliseconds; what is
 * queued leaves once this much of a batch has passed, so batching adds at
 * most about this to an answer's or push's latency (checked every 8 datagrams).
 */
const FLUSH_AFTER_MS = 1;

export class UdpServer {
  private readonly sockets: (BatchUdpSocket | undefined)[] = [];
  private readonly queues: (SendQueue | undefined)[] = [];
  private info: (StunSocketInfo | undefined)[] = [];
  private readonly sources = new SourceCache();
  private inBatch = false;
  private flushScheduled = false;

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
          server.queues.push(undefined);
          continue;
        }
        const port = i >= 2 && b.port === 0 ? (ports[i & 1] ?? 0) : b.port;
        const sock = BatchUdpSocket.openAt(b.address, port, SOCKET_BUFFER_BYTES);
        ports[i] = sock.port;
        server.sockets.push(sock);
        server.queues.push(new SendQueue(sock));
        const index = i;
        // Transient socket errors (a queued ICMP error) are not the server's concern; the socket keeps working.
        sock.onBatch((payloads, records, count) => server.onBatch(index, payloads, records, count), () => {});
        const adv = b.advertisedAddress ?? (isWildcard(b.address) ? undefined : b.address);
        server.info[i] = adv !== undefined ? { advertised: { family: isIPv6(adv) ? 6 : 4, address: adv, port: sock.port } } : {};
      }
    } catch (e) {
      server.close();
      throw e;
    }
    return server;
  }

  /** The bound port of socket i. */
  port(i: number): number | undefined {
    return this.sockets[i]?.port;
  }

  private onBatch(index: number, payloads: Buffer, records: Uint8Array, count: number): void {
    const now = this.now();
    this.inBatch = true;
    let offset = 0;
    let flushedAt = performance.now();
    // Datagrams as plain Uint8Array views: a Buffer's subarray builds a Buffer through Node's JS
    // constructor, and every view the decoders take of a Buffer is another one (~3% of a registration).
    const batch = new Uint8Array(payloads.buffer, payloads.byteOffset, payloads.byteLength);
    try {
      for (let i = 0; i < count; i++) {
        if ((i & 7) === 7 && performance.now() - flushedAt > FLUSH_AFTER_MS) {
          this.flush();
          flushedAt = performance.now();
        }
        const r = i * UDP_RECORD_SIZE;
        const length = (records[r] ?? 0) | ((records[r + 1] ?? 0) << 8) | ((records[r + 2] ?? 0) << 16);
        const msg = batch.subarray(offset, offset + length);
        offset += length;
        try {
          const source = this.sourceOf(index, records, r);
          this.dispatch(index, msg, source, records, r, now);
        } catch {
          this.core.metrics.drop(DropReason.InternalError);
        }
      }
    } finally {
      this.inBatch = false;
      this.flush();
    }
  }

  private sourceOf(index: number, records: Uint8Array, r: number): Source {
    const port = (records[r + 4] ?? 0) | ((records[r + 5] ?? 0) << 8);
    if (records[r + 6] === 4) return this.sources.ipv4(index, records, r + 8, port);
    // IPv6 is the rare path here: text from the addon, canonical form from the protocol package.
    return udpSource(index, normalizeEndpoint(decodeUdpAddress(records, r), port));
  }

  private dispatch(index: number, msg: Uint8Array, source: Source, records: Uint8Array, r: number, now: number): void {
    const cls = classifyDatagram(msg);
    if (cls === "stun") {
      if (!this.core.admit(source, now)) return;
      this.stun(msg, source, index, records, r);
      return;
    }
    if (cls !== "plug") {
      // Classic RFC 3489 STUN clients have no magic cookie; everything else is noise.
      if (msg.length >= 20 && msg[0] === 0x00 && msg[1] === 0x01) {
        if (this.core.admit(source, now)) this.stun(msg, source, index, records, r);
        return;
      }
      this.core.metrics.drop(DropReason.UnknownType);
      return;
    }
    for (const s of this.core.handle(msg, source, now)) {
      // An answer to the sender reuses the address record the kernel gave us.
      if (s.to === source) this.queues[index]?.push(s.bytes, records, r);
      else this.deliver(s);
    }
  }

  private stun(msg: Uint8Array, source: Source, index: number, records: Uint8Array, r: number): void {
    this.core.metrics.stunRequests++;
    const out = answerBinding(msg, source.endpoint, index, this.info);
    if (out.kind === "malformed") this.core.metrics.drop(DropReason.Malformed);
    if (out.kind !== "answer") return;
    this.core.metrics.stunResponses++;
    this.queues[out.answer.socket]?.push(out.answer.bytes, records, r);
  }

  /** Queues a datagram; it leaves with the current batch, or within this tick when called from elsewhere. */
  deliver(s: Send): void {
    if (s.to.transport !== "udp") {
      this.deliverElsewhere(s);
      return;
    }
    const queue = this.queues[s.to.local];
    if (queue === undefined) return;
    const e = s.to.endpoint;
    if (e.family === 4 ? !queue.pushIpv4(s.bytes, e.address, e.port) : !queue.pushWith(s.bytes, (rec) => encodeUdpAddress(e.address, e.port, rec))) {
      this.core.metrics.drop(DropReason.InternalError);
      return;
    }
    if (!this.inBatch && !this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(() => {
        this.flushScheduled = false;
        this.flush();
      });
    }
  }

  private flush(): void {
    for (const q of this.queues) q?.flush();
  }

  close(): void {
    for (const s of this.sockets) s?.close();
    this.sockets.length = 0;
    this.queues.length = 0;
  }
}
