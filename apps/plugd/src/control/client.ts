// The command side of the control socket: one request, one JSON answer.
import { connect } from "node:net";
import { readdirSync } from "node:fs";
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

export function request(ifname: string, req: ControlRequest, timeoutMs = 30_000, dir = CONTROL_DIR): Promise<unknown> {
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
      const why = err.code === "ENOENT" || err.code === "ECONNREFUSED" ? "no plugd is running for this interface" : err.message;
      reject(new ControlError(`${ifname}: ${why} (${path})`));
    });
  });
}

/** The interface to talk to: the one named, or the only one running. */
export function pickInterface(named: string | null, dir = CONTROL_DIR): string {
  if (named !== null) return named;
  const all = runningInterfaces(dir);
  if (all.length === 1 && all[0] !== undefined) return all[0];
  if (all.length === 0) throw new ControlError("no plugd interface is running");
  throw new ControlError(`several interfaces are running (${all.join(", ")}); name one`);
}
