// The outcome of one UAPI request as it goes back on the wire. wireguard-go
// writes negative Linux errno values for failed `set`s (wg prints "Invalid
// argument" for -22 and "Unknown error" for 22), while wg's `get` parser only
// accepts digits, so a failed `get` is reported positive (WIREGUARD.md §9.5).
import { EINVAL } from "../device/control.js";

export class UapiError extends Error {
  constructor(
    message: string,
    /** Positive Linux errno. */
    readonly errno: number,
  ) {
    super(message);
  }
}

export function invalid(message: string): UapiError {
  return new UapiError(message, EINVAL);
}

/** `errno=-N` for a failed set, `errno=0` on success. */
export function formatSetStatus(error: UapiError | null): string {
  return `errno=${error === null ? 0 : -error.errno}\n\n`;
}

/** A failed get keeps the errno positive so `wg` can print it. */
export function formatGetFailure(error: UapiError): string {
  return `errno=${error.errno}\n\n`;
}
