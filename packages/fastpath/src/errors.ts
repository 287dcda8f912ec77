// The one error type of this package: .code is the errno name ("EADDRINUSE",
// "ENOTSOCK") or ENOADDON when the addon is not built, so callers can branch on
// it and users get the system's own words in the message.
export class FastpathError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }

  override readonly name = "FastpathError";
}
