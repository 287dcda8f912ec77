// The device's one UDP socket: dual-stack (udp6 with IPV6_V6ONLY off, so IPv4
// peers appear as ::ffff:a.b.c.d and are normalised back), udp4 on hosts
// without IPv6. One socket because the public mapping STUN observes must be
// the one WireGuard uses (DESIGN.md principle 2).
import { createSocket, type Socket } from "node:dgram";
import { DeviceError, EADDRINUSE, EIO } from "./control.js";
import type { Endpoint } from "../net/address.js";

export interface UdpSocket {
  readonly socket: Socket;
  /** The port actually bound (never 0). */
  readonly port: number;
  readonly dualStack: boolean;
}

/** Kernel socket buffers sized for bursts of full-MTU datagrams; the kernel caps them at rmem_max/wmem_max. */
const SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;

const NO_IPV6 = new Set(["EAFNOSUPPORT", "EADDRNOTAVAIL", "EPROTONOSUPPORT"]);

function bindOne(type: "udp4" | "udp6", port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = type === "udp6" ? createSocket({ type, ipv6Only: false }) : createSocket({ type });
    const onError = (err: Error): void => {
      socket.close();
      reject(err);
    };
    socket.once("error", onError);
    socket.bind({ port, address: type === "udp6" ? "::" : "0.0.0.0", exclusive: true }, () => {
      socket.off("error", onError);
      resolve(socket);
    });
  });
}

function errCode(err: unknown): string {
  return typeof err === "object" && err !== null && "code" in err ? String((err as { code: unknown }).code) : "";
}

/** 0 = a random port. Throws DeviceError(EADDRINUSE) when the port is taken. */
export async function openUdpSocket(port: number): Promise<UdpSocket> {
  let socket: Socket;
  let dualStack = true;
  try {
    try {
      socket = await bindOne("udp6", port);
    } catch (err) {
      if (!NO_IPV6.has(errCode(err))) throw err;
      dualStack = false;
      socket = await bindOne("udp4", port);
    }
  } catch (err) {
    if (errCode(err) === "EADDRINUSE") throw new DeviceError(`UDP port ${port} is already in use`, EADDRINUSE);
    throw new DeviceError(`cannot bind UDP port ${port}: ${err instanceof Error ? err.message : String(err)}`, EIO);
  }
  for (const set of [(n: number) => socket.setRecvBufferSize(n), (n: number) => socket.setSendBufferSize(n)]) {
    try {
      set(SOCKET_BUFFER_BYTES);
    } catch {
      // Best effort: the defaults still work, only bursts drop earlier.
    }
  }
  return { socket, port: socket.address().port, dualStack };
}

/** The address text to hand to socket.send(), or null when this socket cannot reach the endpoint. */
export function sendAddress(udp: UdpSocket, to: Endpoint): string | null {
  if (to.family === 4) return udp.dualStack ? `::ffff:${to.address}` : to.address;
  return udp.dualStack ? to.address : null;
}
