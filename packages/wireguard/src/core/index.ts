// Public surface of the sans-IO core.
export { DeviceCore, DROP_REASONS, type DropReason } from "./device-core.js";
export type { Clock, CoreIo, CoreOptions, CoreStats } from "./types.js";
export { classify as classifyWireGuardMessage, MessageType as WireGuardMessageType } from "../noise/messages.js";
