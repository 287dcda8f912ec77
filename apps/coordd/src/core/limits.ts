// Server-side limits. Defaults are the values docs/PROTOCOL.md §12 lists.
import { REGISTRATION_LIFETIME_SECONDS, SESSION_IDLE_SECONDS, COOKIE_ROTATION_SECONDS } from "@plug/protocol";

export interface Limits {
  /** Control packets (STUN, REGISTER, anything not relay) per source IP per second, and burst. */
  readonly ratePerSecond: number;
  readonly rateBurst: number;
  /** Source IPs tracked by the limiter at once; beyond this, new sources are refused until a sweep. */
  readonly maxTrackedSources: number;
  readonly maxSessions: number;
  readonly maxRidsPerSession: number;
  readonly maxRidsPerAddress: number;
  readonly registrationLifetimeSeconds: number;
  readonly sessionIdleSeconds: number;
  readonly cookieRotationSeconds: number;
  readonly relayPairBytesPerSecond: number;
  readonly relayTotalBytesPerSecond: number;
  /** Largest datagram or WebSocket message looked at; bigger ones are dropped unread. */
  readonly maxMessageBytes: number;
}

export const defaultLimits: Limits = {
  ratePerSecond: 200,
  rateBurst: 400,
  maxTrackedSources: 1_000_000,
  maxSessions: 1_000_000,
  maxRidsPerSession: 64,
  maxRidsPerAddress: 256,
  registrationLifetimeSeconds: REGISTRATION_LIFETIME_SECONDS,
  sessionIdleSeconds: SESSION_IDLE_SECONDS,
  cookieRotationSeconds: COOKIE_ROTATION_SECONDS,
  relayPairBytesPerSecond: 2 * 1024 * 1024,
  relayTotalBytesPerSecond: 64 * 1024 * 1024,
  maxMessageBytes: 4096,
};
