// plugd's configuration file: parse (pure), load (reads, checks the mode) and
// apply (wg setconf semantics through DeviceControl).
export type {
  AddressAssignment,
  CoordinationConfig,
  HostPort,
  InterfaceConfig,
  PeerConfig,
  PlugConfig,
} from "./types.js";
export { ConfigError } from "./error.js";
export { parseConfig } from "./parse.js";
export { loadConfig, accessWarning } from "./load.js";
export { applyConfig } from "./apply.js";
export { resolveHostPort, resolutionRetries, systemResolver, ResolveError } from "./resolve.js";
export type { Resolver, ResolveOptions } from "./resolve.js";
export { formatConfig, configFromDevice } from "./format.js";
export { saveConfig } from "./save.js";
