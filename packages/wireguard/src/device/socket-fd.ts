// The file descriptor behind a bound dgram socket, needed for SO_MARK (Node
// has no API for it). Read through dgram's internal state symbol rather than
// the deprecated `_handle` getter, which prints DEP0112 on every access.
import type { Socket } from "node:dgram";

interface HandleWithFd {
  readonly fd?: unknown;
}

export function socketFd(socket: Socket): number {
  const holder = socket as unknown as Record<symbol, { handle?: HandleWithFd } | undefined>;
  for (const sym of Object.getOwnPropertySymbols(socket)) {
    if (sym.description !== "state symbol") continue;
    const fd = holder[sym]?.handle?.fd;
    if (typeof fd === "number" && fd >= 0) return fd;
  }
  throw new Error("cannot find the file descriptor of the UDP socket");
}
