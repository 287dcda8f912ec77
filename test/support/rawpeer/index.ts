// Public surface of the raw WireGuard peer used by test/checker and test/hostile.
export * from "./primitives.js";
export * from "./constants.js";
export * from "./messages.js";
export * from "./macs.js";
export * from "./handshake.js";
export * from "./transport.js";
export * from "./ipv4.js";
export * from "./nsudp.js";
export * from "./peer.js";
export * from "./ipv6.js";
