// The coordinator plugd uses when a config file names none: the project's
// public instance, no signup. One constant, so a fork or a packager changes
// it in one place (and docs/ARCHITECTURE.md points here).
export const DEFAULT_COORDINATOR = {
  host: "coord.plug.network",
  port: 3478,
  /** `coordd pubkey` of the public instance. */
  publicKey: "qGIbq+QeMkWcK1h10FW1ig9+gB5wzBhqBVe0eTnOP1Y=",
  webSocket: "wss://coord.plug.network/",
} as const;
