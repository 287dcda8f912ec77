export { FastpathError } from "./errors.js";
export { BatchUdpSocket, encodeUdpAddress, decodeUdpAddress, UDP_RECORD_SIZE, UDP_RECV_BATCH, type UdpSocketStats, type UdpBatchHandler } from "./udp-socket.js";
export { setSocketMark, getSocketMark } from "./socket-mark.js";
export { aeadSealOnce, aeadOpenOnce } from "./aead-once.js";
export { createTransportAead, sealTransportInPlace, openTransportInPlace, destroyTransportAead, type AeadHandle } from "./transport-aead.js";
export { blake2sHash, blake2sKdf, blake2sMac } from "./blake2s.js";
export { x25519PrivateKey, x25519Derive, type X25519PrivateKey } from "./x25519.js";
export { hmacSha256, hkdfSha256 } from "./protocol-crypto.js";
export { loadAddon, isNativeError, type NativeError } from "./addon-loader.js";
