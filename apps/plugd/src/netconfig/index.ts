// The network side of a plugd interface: addresses, MTU, DNS, routes, policy
// routing and hooks, as wg-quick sets them up around the device.
export { setUpInterface, setUpInterfaceWithDevice, tearDownInterface, fullTunnelMark } from "./interface.js";
export type { NetConfigOptions } from "./interface.js";
export { execRunner, netnsRunner, commandExists, CommandError } from "./runner.js";
export type { CommandRunner, CommandResult } from "./runner.js";
export { routePrefixes } from "./routes.js";
export { automaticMtu, WIREGUARD_OVERHEAD } from "./mtu.js";
export { DEFAULT_FULL_TUNNEL_TABLE } from "./full-tunnel.js";
export { nftTableName, nftScript, iptablesRestoreScript, type FirewallBackend } from "./firewall.js";
export { expandHook } from "./hooks.js";
