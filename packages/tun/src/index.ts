export * from "./types.js";
export { openTun, openTunFd, validateInterfaceName, MAX_INTERFACE_NAME_LENGTH, type LinuxTunDevice, type TunStats } from "./tun-device.js";
export { setMtu, getMtu, setLinkUp } from "./link.js";
