// What other programs (tests, the demo, benchmarks) may use of plugd without
// spawning a process: its control-socket client and the shape of its status.
export { request as controlRequest, runningInterfaces, ControlError } from "./control/client.js";
export { CONTROL_DIR, controlSocketPath, type ControlRequest } from "./control/socket.js";
export type { InterfaceStatus, PeerStatus } from "./coordination/status.js";
