export * from "./types.js";
export { openTun, openTunFd, validateInterfaceName, MAX_INTERFACE_NAME_LENGTH, type LinuxTunDevice, type TunStats } from "./tun-device.js";
export { setSocketMark, getSocketMark } from "./socket-mark.js";
export { setMtu, getMtu, setLinkUp } from "./link.js";
export { aeadSealOnce, aeadOpenOnce } from "./handshake-aead.js";
export { createTransportAead, sealTransportInPlace, openTransportInPlace, destroyTransportAead, type AeadHandle } from "./transport-aead.js";
export { BatchUdpSocket, encodeUdpAddress, decodeUdpAddress, UDP_RECORD_SIZE, UDP_RECV_BATCH, type UdpSocketStats, type UdpBatchHandler } from "./udp-socket.js";
export { blake2sHash, blake2sKdf, blake2sMac } from "./blake2s.js";
export { x25519PrivateKey, x25519Derive, type X25519PrivateKey } from "./x25519.js";
