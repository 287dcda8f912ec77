// The coordination layer of one interface: it shares the WireGuard socket
// (DatagramExtension), holds the coordd link, learns this host's candidates
// (interfaces, STUN, port mapping), registers one rid per peer and epoch,
// probes what coordd pushes, and moves each peer's WireGuard endpoint to the
// best verified path — or to the relay when nothing direct answers.
// Everything time-driven runs from one timer armed at the earliest deadline.
import { lookup } from "node:dns/promises";
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import {
  CandidateKind,
  classifyDatagram,
  decodeRelayFrame,
  encodePing,
  encodePong,
  encodeRelayFrame,
  MAX_CANDIDATES,
  MessageType,
  openCandidates,
  openProbe,
  PeerTransport,
  PushFlag,
  RegisterStatus,
  RelayPolicy,
  sealCandidates,
  type Candidate,
  type RegisterBody,
  type ServerMessage,
} from "@plug/protocol";
import { PortMapper, StunClient, type MappingMethod, type PortMapping } from "@plug/nat";
import { publicKeyFromPrivate, sameEndpoint, type DatagramExtension, type Endpoint, type Logger, type WireGuardDevice } from "@plug/wireguard";
import { CoordinatorLink, type LinkTransport } from "./coordinator-link.js";
import { addressFingerprint, localCandidates } from "./local-candidates.js";
import { NetworkMonitor } from "./network-monitor.js";
import { behaviorCode, probeNat, type NatReport } from "./nat-probe.js";
import { Pair } from "./pair.js";
import { PeerLink } from "./peer-link.js";
import { isRelayEndpoint, relayChannelKey } from "./relay-endpoint.js";
import { buildStatus, type InterfaceStatus } from "./status.js";

export type CoordinatedDevice = Pick<
  WireGuardDevice,
  "snapshot" | "attachExtension" | "sendDatagram" | "injectDatagram" | "setPeerEndpoint" | "nudgePeer"
>;

export type PortMappingMode = "auto" | "upnp" | "natpmp" | "pcp" | "off";

export interface CoordinationOptions {
  readonly device: CoordinatedDevice;
  readonly ifname: string;
  readonly log: Logger;
  readonly coordinator: { readonly host: string; readonly port: number };
  readonly coordinatorKey: Uint8Array;
  readonly webSocket: string | null;
  readonly portMapping: PortMappingMode;
}

/** Counters of input the coordination layer dropped, by reason. */
export interface CoordinationDrops {
  unknownDatagram: number;
  probeUnverified: number;
  pushUnopened: number;
  relayUnknownChannel: number;
  relayMalformed: number;
  notFromCoordinator: number;
}

const METHODS: Record<PortMappingMode, MappingMethod[]> = {
  auto: ["pcp", "nat-pmp", "upnp"],
  upnp: ["upnp"],
  natpmp: ["nat-pmp"],
  pcp: ["pcp"],
  off: [],
};

const random = (n: number): Uint8Array => new Uint8Array(randomBytes(n));

export class Coordination implements DatagramExtension {
  private readonly device: CoordinatedDevice;
  private readonly log: Logger;
  private readonly link: CoordinatorLink;
  private readonly stun: StunClient;
  private readonly monitor: NetworkMonitor;
  private coordEndpoint: Endpoint | null = null;
  private resolving = false;
  private resolveFailures = 0;
  private peers = new Map<string, PeerLink>();
  private byRid = new Map<string, PeerLink>();
  private byChannel = new Map<string, PeerLink>();
  private privateKey: Uint8Array | null = null;
  private publicKey: Uint8Array | null = null;
  private listenPort = 0;
  private mapper: PortMapper | null = null;
  private mapping: PortMapping | null = null;
  private mappingError: string | null = null;
  private nat: NatReport | null = null;
  private natInFlight: Promise<void> | null = null;
  /** Counts network changes; a NAT measurement from an older network is discarded. */
  private networkGeneration = 0;
  private natGeneration = -1;
  private observed: Endpoint | null = null;
  private sealedCache = new Map<string, { fingerprint: string; sealed: Uint8Array }>();
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Infinity;
  private closed = false;
  private fingerprint = "";
  private lastNetworkChange: { at: number; why: string } | null = null;
  readonly drops: CoordinationDrops = { unknownDatagram: 0, probeUnverified: 0, pushUnopened: 0, relayUnknownChannel: 0, relayMalformed: 0, notFromCoordinator: 0 };

  constructor(private readonly options: CoordinationOptions) {
    this.device = options.device;
    this.log = options.log;
    this.stun = new StunClient({ send: (bytes, to) => this.device.sendDatagram(bytes, to) });
    this.link = new CoordinatorLink(
      options.coordinatorKey,
      options.webSocket,
      {
        sendUdp: (bytes) => {
          if (this.coordEndpoint === null) return false;
          this.device.sendDatagram(bytes, this.coordEndpoint);
          return true;
        },
        bodies: () => this.registrations(),
        onMessage: (m, via) => this.onServerMessage(m, via),
        onRelay: (frame) => this.onRelay(frame),
        onTransport: (t) => this.log.info(`Coordinator link over ${t === "ws" ? "WebSocket" : "UDP"}`),
        onSilence: () => void this.resolveCoordinator(),
        wake: () => this.pump(),
      },
      options.log,
      () => performance.now(),
    );
    this.monitor = new NetworkMonitor({
      onChange: (why) => this.networkChanged(why),
      ignore: (line) => line.includes(` ${options.ifname}:`) || line.includes(`dev ${options.ifname} `) || line.endsWith(`dev ${options.ifname}`),
      fingerprint: () => addressFingerprint(options.ifname),
    });
  }

  start(): Promise<void> {
    this.device.attachExtension(this);
    this.fingerprint = addressFingerprint(this.options.ifname);
    this.monitor.start();
    this.sync();
    // Not awaited: a slow or failing DNS lookup must not delay the interface.
    void this.resolveCoordinator();
    this.pump();
    return Promise.resolve();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.monitor.stop();
    try {
      this.link.withdrawAll(this.registrations());
    } catch {
      // Best effort: coordd expires the registrations anyway.
    }
    this.link.close();
    this.stun.close();
    await this.mapper?.stop().catch(() => undefined);
    this.device.attachExtension(null);
  }

  /** The device configuration may have changed (UAPI set, config applied): re-read keys, port and peers. */
  sync(): void {
    if (this.closed) return;
    const snap = this.device.snapshot();
    const keyChanged = !equalBytes(snap.privateKey, this.privateKey);
    if (keyChanged) {
      this.privateKey = snap.privateKey === null ? null : Uint8Array.from(snap.privateKey);
      this.publicKey = this.privateKey === null ? null : publicKeyFromPrivate(this.privateKey);
    }
    const portChanged = snap.listenPort !== this.listenPort;
    if (portChanged) {
      // A new port is a new NAT mapping and new candidates: map, measure and register again.
      this.listenPort = snap.listenPort;
      this.restartMapper();
      this.nat = null;
      this.observed = null;
    }
    const next = new Map<string, PeerLink>();
    for (const p of snap.peers) {
      const id = Buffer.from(p.publicKey).toString("base64");
      const old = this.peers.get(id);
      const samePsk = old !== undefined && equalBytes(old.pair.presharedKey, p.presharedKey);
      if (old !== undefined && !keyChanged && samePsk) {
        next.set(id, old);
      } else if (this.privateKey !== null && this.publicKey !== null) {
        try {
          next.set(id, new PeerLink(new Pair(p.publicKey, this.privateKey, this.publicKey, p.presharedKey), random));
        } catch (err) {
          this.log.error(`Peer ${id}: cannot derive pair keys (${err instanceof Error ? err.message : String(err)}); not coordinated`);
        }
      }
    }
    for (const [id, old] of this.peers) {
      if (next.get(id) !== old) for (const r of old.pair.rendezvous(Date.now() / 1000)) this.link.withdraw({ rid: r.rid, slot: r.slot, flags: 0, sealed: new Uint8Array(0) });
    }
    const changed = next.size !== this.peers.size || [...next].some(([id, l]) => this.peers.get(id) !== l);
    this.peers = next;
    this.reindex();
    if (changed || portChanged) this.link.registerSoon();
    this.pump();
  }

  // ---- DatagramExtension ------------------------------------------------------

  receive(datagram: Uint8Array, from: Endpoint): void {
    if (this.closed) return;
    const cls = classifyDatagram(datagram);
    if (cls === "stun") {
      this.stun.receive(datagram, from);
      return;
    }
    if (cls !== "plug") {
      this.drops.unknownDatagram++;
      return;
    }
    const type = datagram[0];
    if (type === MessageType.ProbePing || type === MessageType.ProbePong) {
      this.onProbe(datagram, from);
      return;
    }
    if (this.coordEndpoint === null || !sameEndpoint(from, this.coordEndpoint)) {
      this.drops.notFromCoordinator++;
      return;
    }
    this.fromCoordinator(datagram, "udp");
  }

  owns(to: Endpoint): boolean {
    return to.port === 0 && isRelayEndpoint(to);
  }

  egress(datagram: Uint8Array, to: Endpoint): void {
    const channelHex = relayChannelKey(to);
    // The channel is in the address the core sends to; it must be one this pair still holds.
    if (this.byChannel.get(channelHex) === undefined) {
      this.drops.relayUnknownChannel++;
      return;
    }
    this.link.sendRelay(encodeRelayFrame(Buffer.from(channelHex, "hex"), datagram));
  }

  // ---- status, netcheck, ping ------------------------------------------------------

  status(): InterfaceStatus {
    return buildStatus({
      ifname: this.options.ifname,
      now: performance.now(),
      snapshot: this.device.snapshot(),
      peers: this.peers,
      coordinator: this.options.coordinator,
      coordEndpoint: this.coordEndpoint,
      transport: this.link.currentTransport,
      reachable: this.link.reachable,
      lastAck: this.link.lastAck,
      observed: this.observed,
      nat: this.nat,
      mapping: this.mapping,
      mappingError: this.mappingError,
      mappingMode: this.options.portMapping,
      monitor: this.monitor.mode,
      lastNetworkChange: this.lastNetworkChange,
      drops: this.drops,
      linkStats: this.link.stats,
    });
  }

  /** Measures the NAT again now and waits for the answer (`plugd netcheck`). */
  async netcheck(): Promise<InterfaceStatus> {
    await this.measureNat(true);
    return this.status();
  }

  /** Starts a probe burst to one peer (`plugd ping`); false when the peer is unknown. */
  probePeer(publicKeyBase64: string): boolean {
    const link = this.peers.get(publicKeyBase64);
    if (link === undefined) return false;
    link.selector.startBurst(performance.now());
    this.pump();
    return true;
  }

  // ---- internals ------------------------------------------------------

  private async resolveCoordinator(): Promise<void> {
    if (this.resolving || this.closed) return;
    this.resolving = true;
    try {
      const { host, port } = this.options.coordinator;
      const r = await lookup(host, { verbatim: true });
      const e: Endpoint = { family: r.family === 6 ? 6 : 4, address: r.address, port };
      if (this.coordEndpoint === null || !sameEndpoint(e, this.coordEndpoint)) {
        this.coordEndpoint = e;
        this.log.verbose(`Coordinator ${host}:${port} is ${r.address}`);
        this.link.registerSoon();
      }
    } catch (err) {
      this.resolveFailures++;
      const log = this.resolveFailures === 1 ? this.log.error : this.log.verbose;
      log.call(this.log, `Cannot resolve coordinator ${this.options.coordinator.host}: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      this.resolving = false;
      this.pump();
    }
  }

  private registrations(): RegisterBody[] {
    if (this.publicKey === null) return [];
    const now = Date.now();
    const candidates = this.candidates();
    const list = {
      timestampMs: BigInt(now),
      mapping: behaviorCode(this.nat?.mapping ?? "unknown"),
      filtering: behaviorCode(this.nat?.filtering ?? "unknown"),
      relay: RelayPolicy.LastResort,
      candidates,
    };
    // The same list must seal to the same bytes: coordd pushes whenever a
    // registration's blob changes, and a fresh nonce per refresh would make
    // every 25 s refresh a push that restarts both sides' probing.
    const fingerprint = JSON.stringify({ ...list, timestampMs: 0 }, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
    const out: RegisterBody[] = [];
    const sealedNow = new Map<string, { fingerprint: string; sealed: Uint8Array }>();
    for (const link of this.peers.values()) {
      for (const r of link.pair.rendezvous(now / 1000)) {
        const cacheKey = `${r.ridHex}/${link.pair.keys.role}`;
        const cached = this.sealedCache.get(cacheKey);
        const sealed = cached !== undefined && cached.fingerprint === fingerprint ? cached.sealed : sealCandidates(link.pair.keys.sealKey, r.rid, link.pair.keys.role, list, random);
        sealedNow.set(cacheKey, { fingerprint, sealed });
        out.push({ rid: r.rid, slot: r.slot, flags: 0, sealed });
      }
    }
    this.sealedCache = sealedNow;
    return out;
  }

  private candidates(): Candidate[] {
    const out: Candidate[] = [];
    if (this.mapping !== null) {
      out.push({ kind: CandidateKind.PortMapped, endpoint: { family: 4, address: this.mapping.externalAddress, port: this.mapping.externalPort } });
    }
    const pub = this.nat?.publicEndpoint ?? null;
    if (pub !== null && !(this.observed !== null && sameEndpoint(pub, this.observed))) out.push({ kind: CandidateKind.Public, endpoint: pub });
    out.push(...localCandidates(this.listenPort, this.options.ifname, MAX_CANDIDATES - out.length));
    return out;
  }

  private fromCoordinator(datagram: Uint8Array, via: LinkTransport): void {
    this.link.receive(datagram, via);
    if (datagram[0] !== MessageType.Relay) this.pump();
  }

  private onRelay(datagram: Uint8Array): void {
    let frame;
    try {
      frame = decodeRelayFrame(datagram);
    } catch {
      this.drops.relayMalformed++;
      return;
    }
    const channelHex = Buffer.from(frame.channel).toString("hex");
    const from = this.byChannel.get(channelHex)?.relayEndpointFor(channelHex) ?? null;
    if (from === null) {
      this.drops.relayUnknownChannel++;
      return;
    }
    this.device.injectDatagram(frame.payload, from);
  }

  private onServerMessage(m: ServerMessage, via: LinkTransport): void {
    const now = performance.now();
    if (m.kind === "ack") {
      if (m.status === RegisterStatus.Ok && via === "udp") {
        const first = this.observed === null;
        if (this.observed === null || !sameEndpoint(this.observed, m.observed)) this.observed = m.observed;
        if (first || this.nat === null) void this.measureNat(false);
      } else if (m.status === RegisterStatus.RidFull) {
        this.log.error("Coordinator refused a registration: two other clients hold its rendezvous id");
      } else if (m.status === RegisterStatus.TooManyRids) {
        this.log.error("Coordinator refused a registration: too many peers registered from this address");
      }
      return;
    }
    const link = this.byRid.get(Buffer.from(m.rid).toString("hex"));
    if (link === undefined) return;
    const ridHex = Buffer.from(m.rid).toString("hex");
    if ((m.flags & PushFlag.PeerGone) !== 0) {
      link.peerGone(ridHex);
      this.reindex();
      return;
    }
    const list = openCandidates(link.pair.keys.sealKey, m.rid, link.partnerRole, m.sealed);
    if (list === undefined) {
      this.drops.pushUnopened++;
      return;
    }
    const newer = link.list === null || list.timestampMs > link.list.timestampMs;
    const hard = this.nat !== null && this.nat.mapping !== "endpoint-independent" && this.nat.mapping !== "unknown";
    link.applyPush(
      // A copy: the datagram is a slice of the device's receive batch, which must not be kept alive.
      { rid: ridHex, channel: Uint8Array.from(m.channel), peerObserved: m.peerObserved, peerOverWebSocket: m.peerTransport === PeerTransport.WebSocket, receivedAt: now },
      newer ? list : null,
      hard,
      via === "ws",
      now,
    );
    this.reindex();
    this.pump();
  }

  private onProbe(d: Uint8Array, from: Endpoint): void {
    for (const link of this.peers.values()) {
      const probe = openProbe(link.pair.keys.probeKey, link.partnerRole, d);
      if (probe === undefined) continue;
      const now = performance.now();
      if (probe.kind === "ping") {
        this.device.sendDatagram(encodePong(link.pair.keys.probeKey, link.pair.keys.role, probe.txid, from), from);
        link.selector.addReflexive(from, now);
      } else {
        link.selector.onPong(probe.txid, from, now);
      }
      this.pump();
      return;
    }
    this.drops.probeUnverified++;
  }

  /** Measures the NAT (one measurement at a time; a caller during one waits for it). */
  private measureNat(force: boolean): Promise<void> {
    if (this.natInFlight !== null) {
      // A measurement begun on the previous network describes that network: measure again after it.
      if (this.natGeneration === this.networkGeneration) return this.natInFlight;
      return this.natInFlight.then(() => this.measureNat(force));
    }
    if (this.coordEndpoint === null || this.closed) return Promise.resolve();
    if (!force && this.link.currentTransport === "ws") return Promise.resolve();
    const server = this.coordEndpoint;
    this.natGeneration = this.networkGeneration;
    this.natInFlight = this.runNatProbe(server).finally(() => {
      this.natInFlight = null;
    });
    return this.natInFlight;
  }

  private async runNatProbe(server: Endpoint): Promise<void> {
    const ports = new Set<number>([this.listenPort]);
    const locals = new Set(localCandidates(0, this.options.ifname, 64).map((c) => c.endpoint.address));
    const generation = this.networkGeneration;
    const report = await probeNat((s, o) => this.stun.binding(s, o), server, (e) => locals.has(e.address) && ports.has(e.port), () => performance.now());
    if (this.closed || generation !== this.networkGeneration) return;
    const changed = this.nat === null || this.nat.mapping !== report.mapping || this.nat.filtering !== report.filtering || !sameEndpoint(this.nat.publicEndpoint, report.publicEndpoint);
    this.nat = report;
    if (changed) {
      this.log.verbose(`NAT: mapping ${report.mapping}, filtering ${report.filtering}${report.error ? ` (${report.error})` : ""}`);
      this.link.registerSoon();
      this.pump();
    }
  }

  private restartMapper(): void {
    const methods = METHODS[this.options.portMapping];
    const old = this.mapper;
    this.mapper = null;
    this.mapping = null;
    void old?.stop().catch(() => undefined);
    if (methods.length === 0 || this.listenPort === 0 || this.closed) return;
    const mapper = new PortMapper({
      request: { protocol: "udp", internalPort: this.listenPort, lifetimeSeconds: 7200 },
      methods,
      description: `plugd ${this.options.ifname}`,
      onEvent: (e) => {
        if (this.mapper !== mapper) return;
        if (e.kind === "mapped") {
          this.mapping = e.mapping;
          this.mappingError = null;
          this.log.verbose(`Port mapping by ${e.mapping.method}: ${e.mapping.externalAddress}:${e.mapping.externalPort}`);
        } else if (e.kind === "lost" || e.kind === "deleted") {
          this.mapping = null;
        } else if (e.kind === "failed") {
          this.mapping = null;
          this.mappingError = e.error.message;
        }
        this.link.registerSoon();
        this.pump();
      },
    });
    this.mapper = mapper;
    void mapper.start().then(
      (m) => {
        if (this.mapper !== mapper) return;
        if (m === undefined) this.mappingError = mapper.lastErrors.map((e) => e.message).join("; ") || "no gateway answered";
      },
      (err: unknown) => {
        if (this.mapper === mapper) this.mappingError = err instanceof Error ? err.message : String(err);
      },
    );
  }

  private networkChanged(why: string): void {
    if (this.closed) return;
    const fp = addressFingerprint(this.options.ifname);
    const addressesChanged = fp !== this.fingerprint;
    this.fingerprint = fp;
    // Link-local routes, neighbour churn and our own tunnel's routes are not a
    // new network; a changed address set or default route is.
    if (!addressesChanged && !why.includes("default")) return;
    const now = performance.now();
    this.lastNetworkChange = { at: now, why };
    this.networkGeneration++;
    this.log.verbose(`Network change (${why})${addressesChanged ? ": addresses changed" : ""}`);
    // Tell every peer where we are now, before anything slower: WireGuard
    // learns the new source from the first authenticated packet.
    for (const p of this.device.snapshot().peers) {
      if (p.endpoint !== null) this.device.nudgePeer(p.publicKey);
    }
    this.link.networkChanged();
    for (const link of this.peers.values()) link.networkChanged(now);
    this.nat = null;
    this.observed = null;
    this.mapper?.renewNow();
    if (addressesChanged) this.restartMapper();
    void this.resolveCoordinator();
    this.pump();
  }

  private reindex(): void {
    this.byRid.clear();
    this.byChannel.clear();
    const nowS = Date.now() / 1000;
    for (const link of this.peers.values()) {
      const rids = link.pair.rendezvous(nowS).map((r) => r.ridHex);
      for (const rid of rids) this.byRid.set(rid, link);
      link.keepRids(new Set(rids));
      for (const channel of link.channels()) this.byChannel.set(Buffer.from(channel).toString("hex"), link);
    }
  }

  /** Runs everything due and re-arms the one timer. */
  private pump(): void {
    if (this.closed) return;
    const now = performance.now();
    let next = this.link.pump();
    const snap = this.device.snapshot();
    const byKey = new Map(snap.peers.map((p) => [Buffer.from(p.publicKey).toString("base64"), p]));
    for (const [id, link] of this.peers) {
      for (const probe of link.selector.due(now)) {
        this.device.sendDatagram(encodePing(link.pair.keys.probeKey, link.pair.keys.role, probe.txid), probe.to);
      }
      const peer = byKey.get(id);
      if (peer !== undefined) {
        const hasSession = peer.lastHandshake !== null && Date.now() / 1000 - peer.lastHandshake.sec < 180;
        const to = link.decide(peer.endpoint, peer.rxBytes, hasSession, now);
        if (to !== null) {
          this.log.verbose(`Peer ${id}: endpoint ${to.address}:${to.port} (${link.lastChangeReason})`);
          this.device.setPeerEndpoint(peer.publicKey, to);
          // Only one side starts the handshake on a new path: WireGuard has one
          // handshake state per peer, and two crossing initiations overwrite
          // each other's, costing both sides a 5 s retransmit.
          if (link.pair.keys.role === 0) this.device.nudgePeer(peer.publicKey);
        }
      }
      const d = link.nextDeadline();
      if (d !== null) next = Math.min(next, d);
    }
    // Epoch rollover changes rids: re-index at the boundary.
    next = Math.min(next, now + msToNextEpochCheck());
    this.arm(next);
  }

  private arm(at: number): void {
    if (this.timer !== null && this.timerAt <= at) return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.timerAt = Infinity;
      this.reindex();
      this.pump();
    }, Math.max(0, Math.ceil(at - performance.now())));
  }
}

function msToNextEpochCheck(): number {
  // Registrations for the next epoch start 300 s before it; checking at every 300 s boundary is enough.
  const s = Date.now() / 1000;
  return (300 - (s % 300)) * 1000 + 50;
}

function equalBytes(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (a === null || b === null) return a === b;
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
