// Every configuration problem is reported as "FILE:LINE: text" so the user can
// jump straight to it. Messages name the key but never quote key material: a
// mistyped PrivateKey must not end up in a log.

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    /** 1-based; 0 when the problem is with the file as a whole. */
    readonly line: number,
    text: string,
    /** The canonical key name the problem is about, when there is one. */
    readonly key?: string,
  ) {
    super(`${file}:${line}: ${text}`);
    this.name = "ConfigError";
  }
}

/**
 * Thrown by value parsers, which do not know file or line; the line scanner
 * turns it into a ConfigError. The text must not contain the offending value
 * when that value may be a key.
 */
export class ValueError extends Error {}
