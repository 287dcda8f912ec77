// The core a WireGuardDevice runs when none is injected: the real DeviceCore.
import { DeviceCore } from "../core/device-core.js";
import type { CoreFactory } from "./core-port.js";

export const defaultCoreFactory: CoreFactory = (options) => new DeviceCore(options);
