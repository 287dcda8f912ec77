// The parsed form of a plugd configuration file (the wg-quick format, see
// WIREGUARD.md §10). Keys stay as raw bytes and addresses as bytes so nothing
// downstream re-parses text; host names in Endpoint stay text because they are
// resolved when the config is applied, not when it is read.
import type { Prefix } from "@plug/wireguard";

/** An interface address as `ip address add` takes it: host bits kept (10.0.0.1/24). */
export interface AddressAssignment {
  address: Uint8Array;
  family: 4 | 6;
  cidr: number;
}

/** `host:port` as written; host is an IP literal (no brackets) or a DNS name. */
export interface HostPort {
  host: string;
  port: number;
}

/** Coordination keys (see coordination-keys.ts). */
export interface CoordinationConfig {
  /** "off" disables coordination; absent means the built-in default coordinator. */
  coordinator?: HostPort | "off";
  /** The coordinator's static public key (its registrations are sealed to it). */
  coordinatorKey?: Uint8Array;
  /** ws:// or wss:// URL of the coordinator's WebSocket relay. */
  coordinatorWebSocket?: string;
  /** Whether to ask the gateway (UPnP IGD / NAT-PMP / PCP) for a port mapping. */
  portMapping?: "auto" | "upnp" | "natpmp" | "pcp" | "off";
  /** Where to serve Prometheus metrics (off when absent). */
  metricsListen?: HostPort;
}

export interface InterfaceConfig extends CoordinationConfig {
  privateKey?: Uint8Array;
  listenPort?: number;
  /** 0 when written as `off`. */
  fwmark?: number;
  addresses: AddressAssignment[];
  mtu?: number;
  /** DNS entries that are IP addresses, in file order. */
  dns: string[];
  /** DNS entries that are not IP addresses (search domains), in file order. */
  dnsSearch: string[];
  /** Absent means auto. A number is a table id; a string other than off/auto is a table name. */
  table?: "off" | "auto" | number | string;
  /** bash snippets; `%i` is expanded to the interface name when they run. */
  preUp: string[];
  postUp: string[];
  preDown: string[];
  postDown: string[];
  saveConfig?: boolean;
}

export interface PeerConfig {
  publicKey: Uint8Array;
  presharedKey?: Uint8Array;
  /** Host bits masked, in file order (duplicates kept; the device dedupes). */
  allowedIps: Prefix[];
  endpoint?: HostPort;
  /** Seconds; 0 when written as `off`. */
  persistentKeepalive?: number;
  /** Line of the `[Peer]` header, for error messages at apply time. */
  line: number;
}

export interface PlugConfig {
  path: string;
  iface: InterfaceConfig;
  peers: PeerConfig[];
}
