export { WireGuardDevice, systemClock, type WireGuardDeviceOptions, type DeviceIoStats } from "./device.js";
export type { CorePort, CoreFactory } from "./core-port.js";
