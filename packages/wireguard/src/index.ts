export * from "./net/address.js";
export * from "./device/control.js";
export * from "./log/logger.js";
export * from "./crypto/keys.js";
export * from "./uapi/index.js";
export * from "./device/index.js";
export { ReplayWindow, REPLAY_WINDOW_SIZE } from "./replay/replay-window.js";
export { AllowedIps } from "./routing/allowed-ips.js";
export { HandshakeRateLimiter, type RateLimiterOptions } from "./ratelimit/ratelimiter.js";
