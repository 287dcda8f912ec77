// Which coordinator an interface uses, from its config file: the one named,
// the built-in public one when none is named, or none ("off", or no config
// file at all — then plugd is a plain wireguard-go replacement).
import { parseKey } from "../config/values.js";
import type { PlugConfig } from "../config/types.js";
import { DEFAULT_COORDINATOR } from "./default-coordinator.js";
import type { PortMappingMode } from "./coordination.js";

export interface CoordinationSettings {
  readonly coordinator: { readonly host: string; readonly port: number };
  readonly coordinatorKey: Uint8Array;
  readonly webSocket: string | null;
  readonly portMapping: PortMappingMode;
}

export class SettingsError extends Error {}

export function coordinationSettings(cfg: PlugConfig | null): CoordinationSettings | null {
  if (cfg === null) return null;
  const i = cfg.iface;
  if (i.coordinator === "off") return null;
  const portMapping = i.portMapping ?? "auto";
  if (i.coordinator === undefined) {
    return {
      coordinator: { host: DEFAULT_COORDINATOR.host, port: DEFAULT_COORDINATOR.port },
      coordinatorKey: i.coordinatorKey ?? parseKey(DEFAULT_COORDINATOR.publicKey),
      webSocket: i.coordinatorWebSocket ?? DEFAULT_COORDINATOR.webSocket,
      portMapping,
    };
  }
  if (i.coordinatorKey === undefined) {
    throw new SettingsError(`${cfg.path}: Coordinator is set but CoordinatorKey is missing (print it with "coordd pubkey")`);
  }
  return { coordinator: i.coordinator, coordinatorKey: i.coordinatorKey, webSocket: i.coordinatorWebSocket ?? null, portMapping };
}
