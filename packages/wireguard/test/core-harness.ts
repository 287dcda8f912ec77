// A deterministic lab for DeviceCore: a fake clock, seeded randomness and an
// in-memory "internet" that carries datagrams between cores by endpoint.
// Nothing is mocked: each node is a real DeviceCore and every byte on the
// wire is real WireGuard; the harness only owns time and delivery, which is
// exactly what the sans-IO design hands to the I/O layer.
import { createHash } from "node:crypto";
import { DeviceCore } from "../src/core/device-core.js";
import type { Clock } from "../src/core/types.js";
import { formatEndpoint, parseEndpoint, parsePrefix, type Endpoint } from "../src/net/address.js";
import { silentLogger } from "../src/log/logger.js";
import { clampPrivateKey } from "../src/crypto/keys.js";
import { x25519PublicKey } from "../src/crypto/x25519.js";
import { seededRandom } from "./support/seeded-random.js";

export { seededRandom };

export class FakeClock implements Clock {
  t = 0;
  /** Wall time at t = 0: a round second so TAI64N whitening is predictable. */
  constructor(private readonly wallBase = 1_700_000_000) {}
  now(): number {
    return this.t;
  }
  wall(): { sec: number; nsec: number } {
    const ms = this.t;
    return { sec: this.wallBase + Math.floor(ms / 1000), nsec: Math.round((ms % 1000) * 1e6) };
  }
}


export interface Datagram {
  readonly data: Uint8Array;
  readonly from: Endpoint;
  readonly to: Endpoint;
  readonly at: number;
}

export class Node {
  readonly core: DeviceCore;
  readonly privateKey: Uint8Array;
  readonly publicKey: Uint8Array;
  readonly delivered: Uint8Array[] = [];

  constructor(
    readonly net: Net,
    readonly name: string,
    public endpoint: Endpoint,
    readonly address: string,
  ) {
    this.privateKey = clampPrivateKey(createHash("sha256").update(`key/${name}`).digest());
    this.publicKey = x25519PublicKey(this.privateKey);
    this.core = new DeviceCore({
      clock: net.clock,
      randomBytes: seededRandom(`rand/${name}`),
      io: {
        send: (data, to) => net.enqueue({ data, from: this.endpoint, to, at: net.clock.t }),
        deliver: (packet) => this.delivered.push(packet),
      },
      log: silentLogger,
      mtu: 1420,
    });
    this.core.setPrivateKey(this.privateKey);
  }

  /** Configures `other` as a peer, with its tunnel address as the allowed IP. */
  addPeer(other: Node, options: { endpoint?: boolean; persistentKeepalive?: number } = {}): void {
    this.core.ensurePeer(other.publicKey);
    this.core.addPeerAllowedIp(other.publicKey, parsePrefix(`${other.address}/32`));
    if (options.endpoint !== false) this.core.setPeerEndpoint(other.publicKey, other.endpoint);
    if (options.persistentKeepalive !== undefined) this.core.setPeerPersistentKeepalive(other.publicKey, options.persistentKeepalive);
  }

  /** Sends an IPv4 packet from this node's tunnel address into the tunnel. */
  sendTo(other: Node, payloadLength = 46, source = this.address): Uint8Array {
    const p = ipv4(source, other.address, payloadLength);
    this.core.handleTunPackets([p]);
    this.net.pump();
    return p;
  }

  peerOf(other: Node) {
    const s = this.core.peers().find((p) => Buffer.from(p.publicKey).equals(Buffer.from(other.publicKey)));
    if (s === undefined) throw new Error(`${this.name} has no peer ${other.name}`);
    return s;
  }
}

export function ipv4(src: string, dst: string, payloadLength: number): Uint8Array {
  const p = new Uint8Array(20 + payloadLength);
  p[0] = 0x45;
  p[2] = (p.length >> 8) & 0xff;
  p[3] = p.length & 0xff;
  p[8] = 64;
  p[9] = 17;
  p.set(src.split(".").map(Number), 12);
  p.set(dst.split(".").map(Number), 16);
  for (let i = 20; i < p.length; i++) p[i] = i & 0xff;
  return p;
}

export class Net {
  readonly clock = new FakeClock();
  readonly nodes: Node[] = [];
  readonly log: Datagram[] = [];
  private readonly queue: Datagram[] = [];
  /** Return false to drop a datagram in flight (a lossy or hostile network). */
  filter: (d: Datagram) => boolean = () => true;

  add(name: string, endpoint: string, address: string): Node {
    const n = new Node(this, name, parseEndpoint(endpoint), address);
    this.nodes.push(n);
    return n;
  }

  enqueue(d: Datagram): void {
    this.log.push(d);
    this.queue.push(d);
  }

  /** Inject a datagram as if it came from `from` (an attacker, or a replay). */
  inject(to: Node, data: Uint8Array, from: Endpoint): void {
    // A copy, as off a real wire: the core owns what it is handed and decrypts in place.
    to.core.handleDatagram(data.slice(), from);
    this.pump();
  }

  pump(): void {
    for (let guard = 0; this.queue.length > 0; guard++) {
      if (guard > 100_000) throw new Error("datagram storm");
      const d = this.queue.shift();
      if (d === undefined || !this.filter(d)) continue;
      const target = this.nodes.find((n) => formatEndpoint(n.endpoint) === formatEndpoint(d.to));
      // The log keeps d.data for assertions; the core gets its own copy to decrypt in place.
      target?.core.handleDatagram(d.data.slice(), d.from);
    }
  }

  /** Moves time forward to `t + ms`, firing every deadline on the way in order. */
  advance(ms: number): void {
    const target = this.clock.t + ms;
    for (;;) {
      let next: number | null = null;
      for (const n of this.nodes) {
        const d = n.core.nextDeadline();
        if (d !== null && (next === null || d < next)) next = d;
      }
      if (next === null || next > target) break;
      this.clock.t = Math.max(this.clock.t, next);
      for (const n of this.nodes) {
        const d = n.core.nextDeadline();
        if (d !== null && d <= this.clock.t) n.core.tick();
      }
      this.pump();
    }
    this.clock.t = target;
  }

  sentBy(node: Node, type?: number): Datagram[] {
    return this.log.filter((d) => formatEndpoint(d.from) === formatEndpoint(node.endpoint) && (type === undefined || d.data[0] === type));
  }
}

/** Two configured, up nodes: a (10.0.0.1) and b (10.0.0.2), each knowing the other's endpoint. */
export function pair(options: { bKnowsEndpoint?: boolean } = {}): { net: Net; a: Node; b: Node } {
  const net = new Net();
  const a = net.add("a", "192.0.2.1:51820", "10.0.0.1");
  const b = net.add("b", "192.0.2.2:51820", "10.0.0.2");
  a.addPeer(b);
  b.addPeer(a, { endpoint: options.bKnowsEndpoint !== false });
  a.core.up();
  b.core.up();
  return { net, a, b };
}

export const hexOf = (b: Uint8Array): string => Buffer.from(b).toString("hex");
