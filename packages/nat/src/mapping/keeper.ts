// The common face of the three mapping clients, so PortMapper can race and
// keep them without knowing the protocol.
import type { MappingEvent, MappingMethod, PortMapping } from "./types.js";

export interface MappingKeeper {
  readonly method: MappingMethod;
  /** Resolves with the first mapping, rejects with a PortMappingError. Renewals then run by themselves. */
  start(): Promise<PortMapping>;
  /** Renews (or re-creates) now, e.g. after a network change. */
  renewNow(): void;
  /** Deletes the mapping at the gateway and releases sockets and timers. */
  stop(): Promise<void>;
  /**
   * Releases sockets and timers but leaves the mapping at the gateway (it
   * expires by itself). For a duplicate that shares its external port with
   * the mapping being kept: deleting it would delete that one too.
   */
  release(): void;
  readonly current: PortMapping | undefined;
}

export type MappingEventListener = (event: MappingEvent) => void;
