// Result codes surfaced as typed errors, so callers can tell "the gateway
// said no" (NOT_AUTHORIZED: stop asking) from "try later" (NO_RESOURCES).
import type { MappingMethod } from "../mapping/types.js";

export class PortMappingError extends Error {
  constructor(
    readonly method: MappingMethod,
    /** The protocol's numeric result code, or undefined for timeouts and local failures. */
    readonly code: number | undefined,
    /** The RFC's name for the code (e.g. "NOT_AUTHORIZED", "OnlyPermanentLeasesSupported"). */
    readonly codeName: string,
    message: string,
    /** PCP error lifetimes say how long to wait before retrying. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = "PortMappingError";
  }
}

export class PortMappingTimeoutError extends PortMappingError {
  constructor(method: MappingMethod, message: string) {
    super(method, undefined, "TIMEOUT", message);
    this.name = "PortMappingTimeoutError";
  }
}
