// The command side of the control socket: one request, one JSON answer.
import { connect } from "node:net";
import { readdirSync } from "node:fs";
import { DEFAULT_SOCKET_DIR, probeSocket, socketPath } from "../uapi-server/socket-path.js";
import { CONTROL_DIR, controlSocketPath, type ControlReply, type ControlRequest } from "./socket.js";

export class ControlError extends Error {}

export function runningInterfaces(dir = CONTROL_DIR): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith(".sock"))
      .map((f) => f.slice(0, -".sock".length))
      .sort();
  } catch {
    return [];
  }
}

export function request(ifname: string, req: ControlRequest, timeoutMs = 30_000, dir = CONTROL_DIR, uapiDir = DEFAULT_SOCKET_DIR): Promise<unknown> {
  const path = controlSocketPath(dir, ifname);
  return new Promise((resolve, reject) => {
    const conn = connect(path);
    let buf = "";
    const timer = setTimeout(() => {
      conn.destroy();
      reject(new ControlError(`${ifname}: no answer from plugd within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    conn.setEncoding("utf8");
    conn.on("connect", () => conn.write(`${JSON.stringify(req)}\n`));
    conn.on("data", (d: string) => (buf += d));
    conn.on("end", () => {
      clearTimeout(timer);
      let reply: ControlReply;
      try {
        reply = JSON.parse(buf) as ControlReply;
      } catch {
        reject(new ControlError(`${ifname}: malformed answer from plugd`));
        return;
      }
      if (reply.ok) resolve(reply.result);
      else reject(new ControlError(`${ifname}: ${reply.error}`));
    });
    conn.on("error", (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (err.code !== "ENOENT" && err.code !== "ECONNREFUSED") {
        reject(new ControlError(`${ifname}: ${err.message} (${path})`));
        return;
      }
      void missingDaemon(ifname, uapiDir).then((why) => reject(new ControlError(`${ifname}: ${why} (${path})`)));
    });
  });
}

// plugd creates the interface's UAPI socket first and its control socket last, a few hundred ms
// later: in between (or under another WireGuard implementation) "not running" would be wrong.
async function missingDaemon(ifname: string, uapiDir: string): Promise<string> {
  return (await probeSocket(socketPath(uapiDir, ifname))) === "live"
    ? "the interface exists but has no plugd control socket (plugd is still starting, or another WireGuard implementation runs it)"
    : "no plugd is running for this interface";
}

/** The interface to talk to: the one named, or the only one running. */
export function pickInterface(named: string | null, dir = CONTROL_DIR): string {
  if (named !== null) return named;
  const all = runningInterfaces(dir);
  if (all.length === 1 && all[0] !== undefined) return all[0];
  if (all.length === 0) throw new ControlError("no plugd interface is running");
  throw new ControlError(`several interfaces are running (${all.join(", ")}); name one`);
}
