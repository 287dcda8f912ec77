export * from "./net/address.js";
export * from "./device/control.js";
export * from "./log/logger.js";
export * from "./crypto/keys.js";
export * from "./uapi/index.js";
