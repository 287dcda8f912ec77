// Where the UAPI socket lives and how a leftover one is told apart from a live
// one (WIREGUARD.md §9.1): a socket that accepts a connection belongs to a
// running daemon; anything else at that path is stale and may be replaced.
import { connect } from "node:net";

export const DEFAULT_SOCKET_DIR = "/var/run/wireguard";

export function socketPath(dir: string, ifname: string): string {
  return `${dir}/${ifname}.sock`;
}

export type SocketState = "absent" | "live" | "stale";

export function probeSocket(path: string): Promise<SocketState> {
  return new Promise((resolve) => {
    const conn = connect(path);
    conn.once("connect", () => {
      conn.destroy();
      resolve("live");
    });
    conn.once("error", (err: NodeJS.ErrnoException) => {
      conn.destroy();
      resolve(err.code === "ENOENT" ? "absent" : "stale");
    });
  });
}
