// Counters coordd exposes on /metrics. Plain numbers on the hot path; the
// HTTP edge renders them as Prometheus text.

export const DropReason = {
  RateLimited: "rate_limited",
  Malformed: "malformed",
  Oversize: "oversize",
  UnknownType: "unknown_type",
  Version: "unsupported_version",
  AuthFailed: "auth_failed",
  Replay: "replay",
  SessionLimit: "session_limit",
  UnknownChannel: "unknown_channel",
  NotChannelMember: "not_channel_member",
  RelayPairCap: "relay_pair_cap",
  RelayTotalCap: "relay_total_cap",
  PeerUnreachable: "peer_unreachable",
  /** A bug, contained at the edge so one bad input cannot stop the server; should stay 0. */
  InternalError: "internal_error",
} as const;
export type DropReason = (typeof DropReason)[keyof typeof DropReason];

export class Metrics {
  registrations = 0;
  registrationsRefused = 0;
  cookieReplies = 0;
  sessionsCreated = 0;
  ridsPaired = 0;
  pushes = 0;
  relayPackets = 0;
  relayBytes = 0;
  stunRequests = 0;
  stunResponses = 0;
  rateLimitedSources = 0;
  readonly drops = new Map<DropReason, number>();

  drop(reason: DropReason): void {
    this.drops.set(reason, (this.drops.get(reason) ?? 0) + 1);
  }

  dropped(reason: DropReason): number {
    return this.drops.get(reason) ?? 0;
  }
}
