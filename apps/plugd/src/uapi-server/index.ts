export { UapiServer, SocketInUseError, type UapiServerOptions } from "./server.js";
export { DEFAULT_SOCKET_DIR, socketPath, probeSocket, type SocketState } from "./socket-path.js";
