// What `plugd status` and `plugd netcheck` report, as plain JSON-able data,
// and why a peer is not on a direct path when it is not.
import type { PathLabel } from "@plug/nat";
import type { PortMapping } from "@plug/nat";
import { formatEndpoint, type DeviceSnapshot, type Endpoint } from "@plug/wireguard";
import type { CoordinationDrops } from "./coordination.js";
import type { LinkTransport } from "./coordinator-link.js";
import type { NatReport } from "./nat-probe.js";
import type { PeerLink } from "./peer-link.js";

export interface PeerStatus {
  readonly publicKey: string;
  readonly path: PathLabel;
  /** Why the path is not direct (absent when it is lan/direct). */
  readonly reason?: string;
  readonly endpoint: string | null;
  readonly rttMs: number | null;
  /** Unix seconds of the last handshake, null if none. */
  readonly lastHandshake: number | null;
  readonly rxBytes: string;
  readonly txBytes: string;
  /** Paths that answered probes, best first. */
  readonly verifiedPaths: readonly { endpoint: string; kind: string; rttMs: number }[];
  readonly candidates: number;
  readonly peerNat: { mapping: number; filtering: number } | null;
}

export interface InterfaceStatus {
  readonly interface: string;
  readonly listenPort: number;
  readonly coordinator: {
    readonly address: string;
    readonly resolved: string | null;
    readonly transport: LinkTransport;
    readonly reachable: boolean;
    readonly lastAckSecondsAgo: number | null;
    /** Our public endpoint as coordd observed it. */
    readonly observed: string | null;
    readonly registersSent: number;
    readonly pushes: number;
  } | null;
  readonly nat: {
    readonly publicEndpoint: string | null;
    readonly noNat: boolean;
    readonly mapping: string;
    readonly filtering: string;
    readonly error?: string;
  } | null;
  readonly portMapping: {
    readonly mode: string;
    readonly method: string | null;
    readonly external: string | null;
    readonly lifetimeSeconds: number | null;
    readonly error: string | null;
  };
  readonly networkMonitor: string;
  readonly lastNetworkChange: { readonly secondsAgo: number; readonly event: string } | null;
  readonly drops: Readonly<Record<string, number>>;
  readonly peers: readonly PeerStatus[];
}

export interface StatusInput {
  readonly ifname: string;
  readonly now: number;
  readonly snapshot: DeviceSnapshot;
  readonly peers: ReadonlyMap<string, PeerLink>;
  readonly coordinator: { readonly host: string; readonly port: number };
  readonly coordEndpoint: Endpoint | null;
  readonly transport: LinkTransport;
  readonly reachable: boolean;
  readonly lastAck: number | null;
  readonly observed: Endpoint | null;
  readonly nat: NatReport | null;
  readonly mapping: PortMapping | null;
  readonly mappingError: string | null;
  readonly mappingMode: string;
  readonly monitor: string;
  readonly lastNetworkChange: { readonly at: number; readonly why: string } | null;
  readonly drops: CoordinationDrops;
  readonly linkStats: { readonly registersSent: number; readonly pushes: number };
}

function reasonNotDirect(link: PeerLink | undefined, input: StatusInput, path: PathLabel): string | undefined {
  if (path === "lan" || path === "direct") return undefined;
  if (link === undefined) return "not coordinated (no private key yet)";
  if (path === "mapped") return "reached through a port mapping on the peer's or this router";
  const push = link.push;
  if (!input.reachable) return push === null ? "coordinator unreachable and no endpoint configured" : "coordinator unreachable";
  if (link.gone) return "peer withdrew from the coordinator (stopped or offline)";
  if (push === null) return "peer has not registered with the coordinator (offline, or not running plug)";
  if (input.transport === "ws") return "UDP to the coordinator is blocked on this network; relayed over WebSocket";
  if (push.peerOverWebSocket) return "UDP is blocked on the peer's network; it is reached through the relay";
  const ours = input.nat?.mapping ?? "unknown";
  const theirs = link.list?.mapping ?? 0;
  const hardOurs = ours === "address-dependent" || ours === "address-and-port-dependent";
  const hardTheirs = theirs >= 2;
  if (hardOurs && hardTheirs) return "both sides are behind endpoint-dependent (symmetric) NATs";
  if (hardOurs || hardTheirs) return "one side is behind an endpoint-dependent NAT and port guessing found no path yet";
  return "no direct candidate answered probes";
}

export function buildStatus(input: StatusInput): InterfaceStatus {
  const { now } = input;
  const peers: PeerStatus[] = input.snapshot.peers.map((p) => {
    const id = Buffer.from(p.publicKey).toString("base64");
    const link = input.peers.get(id);
    const path: PathLabel = link?.label(p.endpoint, input.transport === "ws", now) ?? (p.endpoint === null ? "none" : "direct");
    const verified = link?.selector.paths(now) ?? [];
    const onPath = link?.verifiedPath(p.endpoint, now);
    const reason = reasonNotDirect(link, input, path);
    return {
      publicKey: id,
      path,
      ...(reason === undefined ? {} : { reason }),
      endpoint: p.endpoint === null ? null : formatEndpoint(p.endpoint),
      rttMs: onPath === undefined ? null : Math.round(onPath.rttMs * 100) / 100,
      lastHandshake: p.lastHandshake?.sec ?? null,
      rxBytes: p.rxBytes.toString(),
      txBytes: p.txBytes.toString(),
      verifiedPaths: verified.map((v) => ({ endpoint: formatEndpoint(v.endpoint), kind: v.origin, rttMs: Math.round(v.rttMs * 100) / 100 })),
      candidates: link?.list?.candidates.length ?? 0,
      peerNat: link?.list == null ? null : { mapping: link.list.mapping, filtering: link.list.filtering },
    };
  });
  return {
    interface: input.ifname,
    listenPort: input.snapshot.listenPort,
    coordinator: {
      address: `${input.coordinator.host}:${input.coordinator.port}`,
      resolved: input.coordEndpoint === null ? null : formatEndpoint(input.coordEndpoint),
      transport: input.transport,
      reachable: input.reachable,
      lastAckSecondsAgo: input.lastAck === null ? null : Math.round((now - input.lastAck) / 100) / 10,
      observed: input.observed === null ? null : formatEndpoint(input.observed),
      registersSent: input.linkStats.registersSent,
      pushes: input.linkStats.pushes,
    },
    nat:
      input.nat === null
        ? null
        : {
            publicEndpoint: input.nat.publicEndpoint === null ? null : formatEndpoint(input.nat.publicEndpoint),
            noNat: input.nat.noNat,
            mapping: input.nat.mapping,
            filtering: input.nat.filtering,
            ...(input.nat.error === undefined ? {} : { error: input.nat.error }),
          },
    portMapping: {
      mode: input.mappingMode,
      method: input.mapping?.method ?? null,
      external: input.mapping === null ? null : `${input.mapping.externalAddress}:${input.mapping.externalPort}`,
      lifetimeSeconds: input.mapping?.lifetimeSeconds ?? null,
      error: input.mappingError,
    },
    networkMonitor: input.monitor,
    lastNetworkChange: input.lastNetworkChange === null ? null : { secondsAgo: Math.round((now - input.lastNetworkChange.at) / 100) / 10, event: input.lastNetworkChange.why },
    drops: { ...input.drops },
    peers,
  };
}

/** Status of an interface without coordination: what the device alone knows. */
export function deviceOnlyStatus(ifname: string, snapshot: DeviceSnapshot): InterfaceStatus {
  return {
    interface: ifname,
    listenPort: snapshot.listenPort,
    coordinator: null,
    nat: null,
    portMapping: { mode: "off", method: null, external: null, lifetimeSeconds: null, error: null },
    networkMonitor: "stopped",
    lastNetworkChange: null,
    drops: {},
    peers: snapshot.peers.map((p) => ({
      publicKey: Buffer.from(p.publicKey).toString("base64"),
      path: p.endpoint === null ? "none" : "direct",
      endpoint: p.endpoint === null ? null : formatEndpoint(p.endpoint),
      rttMs: null,
      lastHandshake: p.lastHandshake?.sec ?? null,
      rxBytes: p.rxBytes.toString(),
      txBytes: p.txBytes.toString(),
      verifiedPaths: [],
      candidates: 0,
      peerNat: null,
    })),
  };
}
