export * from "./path-kind.js";
export * from "./birthday.js";
export * from "./path-selector.js";
