// The fd behind a bound dgram socket (Node has no API for it), read through
// dgram's internal state symbol: the `_handle` getter is deprecated (DEP0112).
import type { Socket } from "node:dgram";

export function socketFd(socket: Socket): number {
  const holder = socket as unknown as Record<symbol, { handle?: { fd?: unknown } } | undefined>;
  for (const sym of Object.getOwnPropertySymbols(socket)) {
    if (sym.description !== "state symbol") continue;
    const fd = holder[sym]?.handle?.fd;
    if (typeof fd === "number" && fd >= 0) return fd;
  }
  throw new Error("cannot find the file descriptor of the UDP socket");
}
