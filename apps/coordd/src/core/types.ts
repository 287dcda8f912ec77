import type { Endpoint } from "@plug/protocol";

export type Transport = "udp" | "ws";

/** Where a message came from, or goes to. */
export interface Source {
  /** Stable identity of the path: UDP socket + address + port, or a WebSocket connection. */
  readonly id: string;
  readonly transport: Transport;
  /** The observed address: UDP source, or the TCP peer of a WebSocket. */
  readonly endpoint: Endpoint;
  /** Which local UDP socket it arrived on (0 for WebSocket); answers leave through the same one. */
  readonly local: number;
}

export interface Send {
  readonly to: Source;
  readonly bytes: Uint8Array;
}

export function udpSource(local: number, endpoint: Endpoint): Source {
  return { id: `u${local}|${endpoint.address}|${endpoint.port}`, transport: "udp", endpoint, local };
}
