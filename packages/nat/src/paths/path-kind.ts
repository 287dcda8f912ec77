// The kinds of path between two peers, in DESIGN.md's order of preference:
// same LAN > IPv6 direct > public direct > port-mapped > relay.
import { formatEndpoint, type Endpoint } from "@plug/wireguard/net";

/** Where a candidate address came from; decides its preference. */
export type CandidateOrigin =
  | "lan"
  /** A global IPv6 address of the peer. */
  | "ipv6"
  /** The peer's public address (STUN, or what coordd observed). */
  | "public"
  /** A verified ping arrived from this address (peer-reflexive). */
  | "reflexive"
  /** A guessed port of an endpoint-dependent NAT (birthday probing). */
  | "guess"
  | "mapped";

/** What `plugd status` shows. */
export type PathLabel = "lan" | "direct" | "mapped" | "relay-udp" | "relay-ws" | "none";

export interface ProbeCandidate {
  readonly endpoint: Endpoint;
  readonly origin: CandidateOrigin;
}

const RANK: Record<CandidateOrigin, number> = { lan: 0, ipv6: 1, public: 2, reflexive: 2, guess: 2, mapped: 3 };

/** Lower is better. */
export function originRank(origin: CandidateOrigin): number {
  return RANK[origin];
}

export function labelOf(origin: CandidateOrigin): PathLabel {
  if (origin === "lan") return "lan";
  if (origin === "mapped") return "mapped";
  return "direct";
}

/** Map key of an endpoint: its usual text form. */
export function endpointKey(e: Endpoint): string {
  return formatEndpoint(e);
}
