// What every port-mapping method (PCP, NAT-PMP, UPnP IGD) hands its user.
export type MappingMethod = "pcp" | "nat-pmp" | "upnp";
export type TransportProtocol = "udp" | "tcp";

export interface MappingRequest {
  readonly protocol: TransportProtocol;
  readonly internalPort: number;
  /** A hint; the gateway may assign another port. 0 or absent: any. */
  readonly suggestedExternalPort?: number;
  /** Requested lifetime; gateways may shorten it. */
  readonly lifetimeSeconds: number;
}

export interface PortMapping {
  readonly method: MappingMethod;
  readonly protocol: TransportProtocol;
  readonly internalPort: number;
  readonly externalAddress: string;
  readonly externalPort: number;
  /** Granted lifetime; 0 means a permanent UPnP lease. */
  readonly lifetimeSeconds: number;
  /** Clock time (ms) at which the gateway granted it. */
  readonly obtainedAtMs: number;
}

export type MappingEvent =
  | { readonly kind: "mapped"; readonly mapping: PortMapping }
  /** The mapping is gone (gateway rebooted, renewal failed); the keeper is re-creating it. */
  | { readonly kind: "lost"; readonly reason: string }
  | { readonly kind: "failed"; readonly error: Error }
  | { readonly kind: "deleted" };
