export * from "./net/address.js";
export * from "./device/control.js";
