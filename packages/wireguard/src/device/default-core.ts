// The core a WireGuardDevice runs when none is injected.
import type { CoreFactory } from "./core-port.js";

export const defaultCoreFactory: CoreFactory = () => {
  throw new Error("DeviceCore is not available in this build");
};
