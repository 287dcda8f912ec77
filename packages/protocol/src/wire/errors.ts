/** Every decoder throws this (and only this) on malformed input, so callers can drop and count. */
export class DecodeError extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}
