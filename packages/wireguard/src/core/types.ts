// The boundary between the sans-IO protocol core and the I/O layer (device):
// the core never touches sockets, timers or the system clock; everything it
// needs from the outside world comes in through these interfaces.
import type { Endpoint } from "../net/address.js";
import type { Logger } from "../log/logger.js";

export interface Clock {
  /** Monotonic milliseconds. */
  now(): number;
  /** Wall clock, for TAI64N timestamps and last_handshake_time. */
  wall(): { sec: number; nsec: number };
}

export interface CoreIo {
  /** Transmit one UDP datagram. Ownership of `datagram` passes to the callee. */
  send(datagram: Uint8Array, to: Endpoint): void;
  /** Deliver one decrypted, trimmed IP packet to the TUN. Ownership passes to the callee. */
  deliver(packet: Uint8Array): void;
}

export interface CoreOptions {
  clock: Clock;
  randomBytes(n: number): Uint8Array;
  io: CoreIo;
  log: Logger;
  /** TUN MTU, used for transport padding. */
  mtu: number;
}

/** Counters by reason; every dropped input increments exactly one. */
export type CoreStats = Record<string, number>;
