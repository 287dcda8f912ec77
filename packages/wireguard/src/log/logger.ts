// Logging as the whole stack sees it. Levels follow wireguard-go's LOG_LEVEL
// (verbose | error | silent); "info" sits between so the daemon can report
// lifecycle events without the per-packet chatter of verbose.
// Never pass key material to a logger: log peer identities through
// `peerLabel` (a short public-key prefix, as wireguard-go does).

export type LogLevel = "verbose" | "info" | "error" | "silent";

export interface Logger {
  verbose(message: string): void;
  info(message: string): void;
  error(message: string): void;
}

const rank: Record<LogLevel, number> = { verbose: 0, info: 1, error: 2, silent: 3 };

export function parseLogLevel(text: string | undefined, fallback: LogLevel = "error"): LogLevel {
  if (text === undefined || text === "") return fallback;
  const t = text.toLowerCase();
  if (t === "debug") return "verbose";
  return t in rank ? (t as LogLevel) : fallback;
}

/** Writes "LEVEL: (tag) 2026/01/02 15:04:05 message" lines to a sink (stderr by default). */
export function createLogger(level: LogLevel, tag: string, sink: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  const stamp = (): string => new Date().toISOString().replace("T", " ").slice(0, 19);
  const emit = (lvl: LogLevel, label: string, message: string): void => {
    if (rank[lvl] >= rank[level]) sink(`${label}: (${tag}) ${stamp()} ${message}\n`);
  };
  return {
    verbose: (m) => emit("verbose", "DEBUG", m),
    info: (m) => emit("info", "INFO", m),
    error: (m) => emit("error", "ERROR", m),
  };
}

export const silentLogger: Logger = { verbose: () => {}, info: () => {}, error: () => {} };

/** A log-safe short name for a peer: the first 8 characters of its base64 public key, like wireguard-go's "peer(AbCd…WxYz)". */
export function peerLabel(publicKey: Uint8Array): string {
  const b = Buffer.from(publicKey).toString("base64");
  return `peer(${b.slice(0, 4)}…${b.slice(39, 43)})`;
}
