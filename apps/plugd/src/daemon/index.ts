export { runForeground, defaultConfigPath, DEFAULT_MTU, type ForegroundOptions } from "./foreground.js";
export { startInBackground, type BackgroundOptions } from "./background.js";
export { readinessFromEnv, terminalReadiness, pipeReadiness, READY_FD_ENV, type Readiness } from "./readiness.js";
