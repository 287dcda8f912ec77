// Everything the coordination layer knows about one peer: its pair secrets,
// what coordd last pushed (the peer's candidates, its observed address, the
// relay channel), the probe state, and which endpoint the coordination layer
// last gave the WireGuard core. decide() turns that into at most one
// endpoint change; it never overrides a path WireGuard itself just learned
// from an authenticated packet unless probes verify a better one.
import {
  CandidateKind,
  NatBehavior,
  RelayPolicy,
  type CandidateList,
  type Role,
} from "@plug/protocol";
import { PathSelector, labelOf, type CandidateOrigin, type PathLabel, type ProbeCandidate, type VerifiedPath } from "@plug/nat";
import { sameEndpoint, type Endpoint } from "@plug/wireguard";
import type { Pair } from "./pair.js";
import { isRelayEndpoint, relayEndpoint } from "./relay-endpoint.js";

/** With no verified path this long after a push, and no traffic flowing on the current path, use the relay. */
export const RELAY_AFTER_MS = 600;
/**
 * Without a session, the role-1 side waits this long before using a path
 * itself: role 0 starts the handshake, and an initiation of ours crossing it
 * (our staged traffic would trigger one) would cost both sides a 5 s retry.
 * Role 0's initiation sets our endpoint through WireGuard anyway.
 */
export const ROLE1_DEFER_MS = 1_000;
/**
 * Received bytes within this window, after the last roam or push, mean the
 * current path carries traffic (and the relay is not needed). Bytes from
 * before a roam prove nothing about the path after it.
 */
const TRAFFIC_WINDOW_MS = 1_000;

const ORIGIN_OF_KIND: Record<number, CandidateOrigin> = {
  [CandidateKind.Lan]: "lan",
  [CandidateKind.Ipv6]: "ipv6",
  [CandidateKind.Public]: "public",
  [CandidateKind.PortMapped]: "mapped",
};

export interface PushState {
  /** The rendezvous id (hex) the push was for; near an epoch boundary a pair holds two. */
  readonly rid?: string;
  readonly channel: Uint8Array;
  readonly peerObserved: Endpoint;
  readonly peerOverWebSocket: boolean;
  readonly receivedAt: number;
}

export class PeerLink {
  readonly selector: PathSelector;
  /**
   * The latest push per rid. Around an epoch boundary both epochs' rids are
   * paired, each with its own relay channel; frames on either reach the peer,
   * and the old rid's expiry must not look like the peer leaving.
   */
  private readonly pushes = new Map<string, PushState>();
  list: CandidateList | null = null;
  /** The peer withdrew or expired at coordd (on every rid). */
  gone = false;
  /** The endpoint this layer last set, to tell our changes from WireGuard's roaming. */
  private lastSet: Endpoint | null = null;
  private relayAt: number | null = null;
  private lastRx = -1n;
  private lastRxChangeAt = -Infinity;
  /** When our network changed, the peer moved or WireGuard roamed: traffic before this proves nothing. */
  private roamedAt = -Infinity;
  /** Role 1 without a session: when a path first became eligible (see ROLE1_DEFER_MS). */
  private eligibleAt: number | null = null;
  lastChangeReason = "";

  constructor(
    readonly pair: Pair,
    random: (n: number) => Uint8Array,
  ) {
    this.selector = new PathSelector({ random });
  }

  get partnerRole(): Role {
    return this.pair.partnerRole;
  }

  /** Applies a push whose sealed list opened (or `list` null: keep the last one, e.g. an older replayed list). */
  /**
   * A push: coordd pushes only when a side registered, moved or changed its
   * candidates. If the peer moved, every verification before it is suspect
   * (it may have roamed off the path that answered a second ago). Probing
   * starts over, and the relay takes over after RELAY_AFTER_MS if nothing
   * answers — at once when either side is on the WebSocket (no UDP path can
   * exist then).
   */
  applyPush(push: PushState, list: CandidateList | null, ownMappingHard: boolean, ownOverWebSocket: boolean, now: number): void {
    // Only a peer that moved makes earlier verifications suspect; a push for a
    // new port mapping or our own re-registration leaves working paths alone.
    const last = this.push;
    const moved = last === null || this.gone || !sameEndpoint(last.peerObserved, push.peerObserved);
    if (moved) this.suspectPaths(now);
    this.pushes.set(push.rid ?? "", push);
    this.gone = false;
    if (list !== null) this.list = list;
    const candidates: ProbeCandidate[] = [];
    if (!push.peerOverWebSocket) candidates.push({ endpoint: push.peerObserved, origin: "public" });
    for (const c of this.list?.candidates ?? []) {
      const origin = ORIGIN_OF_KIND[c.kind];
      if (origin !== undefined) candidates.push({ endpoint: c.endpoint, origin });
    }
    this.selector.setCandidates(candidates, now);
    // One easy and one hard NAT: the easy side guesses the hard side's port.
    const peerHard = this.list !== null && this.list.mapping >= NatBehavior.AddressDependent;
    if (peerHard && !ownMappingHard && !push.peerOverWebSocket) this.selector.guessAround(push.peerObserved, 256, now);
    if (push.peerOverWebSocket || ownOverWebSocket) this.relayAt = now;
    else if (moved || this.relayAt === null) this.relayAt = now + RELAY_AFTER_MS;
  }

  /** The latest push on any rid, or null before the first. */
  get push(): PushState | null {
    let latest: PushState | null = null;
    for (const p of this.pushes.values()) if (latest === null || p.receivedAt >= latest.receivedAt) latest = p;
    return latest;
  }

  /** Every relay channel the pair holds now (one per paired rid). */
  channels(): Uint8Array[] {
    return [...this.pushes.values()].map((p) => p.channel);
  }

  /** The peer's registration on `rid` is gone (all of them when rid is undefined). */
  peerGone(rid?: string): void {
    if (rid === undefined) this.pushes.clear();
    else this.pushes.delete(rid);
    if (this.pushes.size > 0) return;
    this.gone = true;
    this.relayAt = null;
  }

  /** Drops pushes of rids we no longer hold (their epoch ended). */
  keepRids(active: ReadonlySet<string>): void {
    for (const rid of [...this.pushes.keys()]) if (rid !== "" && !active.has(rid)) this.pushes.delete(rid);
  }

  /** A local network change: every path is suspect. */
  networkChanged(now: number): void {
    this.suspectPaths(now);
    if (this.push !== null && !this.gone) this.relayAt = now + RELAY_AFTER_MS;
  }

  relayEndpoint(): Endpoint | null {
    const push = this.push;
    return push === null || this.gone ? null : relayEndpoint(push.channel);
  }

  /** The virtual endpoint for frames arriving on `channelHex`, if it is one of this pair's. */
  relayEndpointFor(channelHex: string): Endpoint | null {
    for (const p of this.pushes.values()) if (Buffer.from(p.channel).toString("hex") === channelHex) return relayEndpoint(p.channel);
    return null;
  }

  /**
   * The endpoint the core should use now, or null to leave it alone.
   * `current` and `rxBytes` come from the core's peer snapshot.
   */
  decide(current: Endpoint | null, rxBytes: bigint, hasSession: boolean, now: number): Endpoint | null {
    const next = this.choose(current, rxBytes, now);
    if (next === null) {
      this.eligibleAt = null;
      return null;
    }
    if (this.pair.keys.role === 1 && !hasSession) {
      this.eligibleAt ??= now;
      if (now - this.eligibleAt < ROLE1_DEFER_MS) return null;
    }
    this.eligibleAt = null;
    this.lastSet = next.endpoint;
    this.lastChangeReason = next.reason;
    return next.endpoint;
  }

  private choose(current: Endpoint | null, rxBytes: bigint, now: number): { endpoint: Endpoint; reason: string } | null {
    if (current !== null && !sameEndpoint(current, this.lastSet)) {
      // WireGuard moved the endpoint (an authenticated packet from elsewhere).
      // If probes have not verified that address, the peer roamed: older
      // verifications are stale, probe afresh and follow WireGuard for now.
      const verified = this.selector.paths(now).some((p) => sameEndpoint(p.endpoint, current));
      if (!verified && !isRelayEndpoint(current)) this.suspectPaths(now);
      this.lastSet = current;
    }
    // After the roam check: the authenticated packet that moved the endpoint is traffic on the new path.
    if (rxBytes !== this.lastRx) {
      this.lastRx = rxBytes;
      this.lastRxChangeAt = now;
    }
    const best = this.selector.best(now);
    if (best !== null) {
      if (sameEndpoint(best.endpoint, current)) return null;
      return { endpoint: best.endpoint, reason: `verified ${best.origin} path` };
    }
    const relay = this.relayEndpoint();
    if (relay === null || this.relayAt === null || now < this.relayAt) return null;
    if (this.list?.relay === RelayPolicy.Never) return null;
    if (sameEndpoint(relay, current)) return null;
    const flowing = current !== null && !isRelayEndpoint(current) && this.lastRxChangeAt >= this.roamedAt && now - this.lastRxChangeAt < TRAFFIC_WINDOW_MS;
    if (flowing) return null;
    return { endpoint: relay, reason: "no direct path verified" };
  }

  nextDeadline(): number | null {
    const ds: number[] = [];
    const d = this.selector.nextDeadline();
    if (d !== null) ds.push(d);
    if (this.relayAt !== null && this.push !== null && !this.gone) ds.push(this.relayAt);
    if (this.eligibleAt !== null) ds.push(this.eligibleAt + ROLE1_DEFER_MS);
    return ds.length === 0 ? null : Math.min(...ds);
  }

  /** What status shows for the path the core uses now. */
  label(current: Endpoint | null, relayOverWebSocket: boolean, now: number): PathLabel {
    if (current === null) return "none";
    if (isRelayEndpoint(current)) return relayOverWebSocket ? "relay-ws" : "relay-udp";
    const v = this.selector.paths(now).find((p) => sameEndpoint(p.endpoint, current));
    if (v !== undefined) return labelOf(v.origin);
    return "direct";
  }

  verifiedPath(current: Endpoint | null, now: number): VerifiedPath | undefined {
    return this.selector.paths(now).find((p) => sameEndpoint(p.endpoint, current));
  }

  private suspectPaths(now: number): void {
    this.roamedAt = now;
    this.selector.invalidate(now);
  }


}
