export { WireGuardDevice, systemClock, type WireGuardDeviceOptions, type DeviceIoStats, type DatagramExtension } from "./device.js";
export type { CorePort, CoreFactory } from "./core-port.js";
