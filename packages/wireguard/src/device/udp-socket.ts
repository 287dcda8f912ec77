// The device's one UDP socket: dual-stack (AF_INET6 with IPV6_V6ONLY off, so
// IPv4 peers arrive as ::ffff:a.b.c.d and are reported back as IPv4), AF_INET
// on hosts without IPv6. One socket because the public mapping STUN observes
// must be the one WireGuard uses (DESIGN.md principle 2). The socket itself is
// @plug/fastpath's addon socket, which batches with recvmmsg/sendmmsg.
import { BatchUdpSocket, FastpathError } from "@plug/fastpath";
import { DeviceError, EADDRINUSE, EIO } from "./control.js";

export interface UdpSocket {
  readonly socket: BatchUdpSocket;
  /** The port actually bound (never 0). */
  readonly port: number;
  readonly dualStack: boolean;
}

/** Kernel socket buffers sized for bursts of full-MTU datagrams (a TUN batch is up to 128 packets). */
const SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;

const NO_IPV6 = new Set(["EAFNOSUPPORT", "EADDRNOTAVAIL", "EPROTONOSUPPORT"]);

/** 0 = a random port. Throws DeviceError(EADDRINUSE) when the port is taken. */
export function openUdpSocket(port: number): UdpSocket {
  let socket: BatchUdpSocket;
  try {
    try {
      socket = BatchUdpSocket.open(port, true, SOCKET_BUFFER_BYTES);
    } catch (err) {
      if (!(err instanceof FastpathError) || !NO_IPV6.has(err.code)) throw err;
      socket = BatchUdpSocket.open(port, false, SOCKET_BUFFER_BYTES);
    }
  } catch (err) {
    if (err instanceof FastpathError && err.code === "EADDRINUSE") throw new DeviceError(`UDP port ${port} is already in use`, EADDRINUSE);
    throw new DeviceError(`cannot bind UDP port ${port}: ${err instanceof Error ? err.message : String(err)}`, EIO);
  }
  return { socket, port: socket.port, dualStack: socket.dualStack };
}
