// SO_MARK on a socket fd: how wg's fwmark reaches the daemon's UDP socket so
// wg-quick's policy routing keeps tunnel traffic out of the tunnel. Node's
// dgram has no API for it; pass the fd of the bound socket.
import { isNativeError, native } from "./native.js";
import { FastpathError } from "./errors.js";

function wrap(op: string, err: unknown): FastpathError {
  if (!isNativeError(err)) return new FastpathError(`${op}: ${String(err)}`, "EUNKNOWN");
  if (err.code === "EPERM") return new FastpathError(`${op} needs root or CAP_NET_ADMIN (${err.message})`, err.code);
  return new FastpathError(`${op}: ${err.message}`, err.code);
}

/** mark 0 clears the mark. */
export function setSocketMark(fd: number, mark: number): void {
  if (!Number.isInteger(mark) || mark < 0 || mark > 0xffffffff) throw new FastpathError(`invalid fwmark ${mark}`, "EINVAL");
  try {
    native().setSocketMark(fd, mark);
  } catch (err) {
    throw wrap("setting SO_MARK", err);
  }
}

export function getSocketMark(fd: number): number {
  try {
    return native().getSocketMark(fd);
  } catch (err) {
    throw wrap("reading SO_MARK", err);
  }
}
