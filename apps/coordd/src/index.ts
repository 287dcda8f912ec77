export { startCoordd, type RunningCoordd } from "./server.js";
export { parseOptions, helpText, UsageError, type CoorddConfig } from "./config/options.js";
export { loadOrCreateKey, type ServerKey } from "./config/keyfile.js";
export { CoordCore, type CoreOptions } from "./core/coord-core.js";
export { defaultLimits, type Limits } from "./core/limits.js";
export { DropReason, Metrics } from "./core/metrics.js";
export { udpSource, type Source, type Send, type Transport } from "./core/types.js";
export { WS_PATH } from "./http/http-server.js";
