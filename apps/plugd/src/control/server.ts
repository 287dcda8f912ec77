// Serves status, netcheck and ping requests for one interface.
import { createServer, type Server, type Socket } from "node:net";
import { chmodSync, mkdirSync, unlinkSync } from "node:fs";
import type { Logger } from "@plug/wireguard";
import type { InterfaceStatus } from "../coordination/status.js";
import { CONTROL_DIR, controlSocketPath, MAX_REQUEST_BYTES, type ControlReply } from "./socket.js";

export interface ControlTarget {
  status(): InterfaceStatus;
  netcheck(): Promise<InterfaceStatus>;
  probePeer(publicKeyBase64: string): boolean;
}

export class ControlServer {
  private constructor(
    readonly path: string,
    private readonly server: Server,
  ) {}

  static async listen(ifname: string, target: ControlTarget, log: Logger, dir = CONTROL_DIR): Promise<ControlServer> {
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    const path = controlSocketPath(dir, ifname);
    try {
      unlinkSync(path); // the UAPI socket's liveness check already guards against a second daemon
    } catch {
      // absent
    }
    const server = createServer((conn) => serve(conn, target, log));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      const old = process.umask(0o077);
      try {
        server.listen(path, () => resolve());
      } finally {
        process.umask(old);
      }
    });
    chmodSync(path, 0o600);
    return new ControlServer(path, server);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    try {
      unlinkSync(this.path);
    } catch {
      // already gone
    }
  }
}

function serve(conn: Socket, target: ControlTarget, log: Logger): void {
  let buf = "";
  conn.setEncoding("utf8");
  conn.on("data", (chunk: string) => {
    buf += chunk;
    if (buf.length > MAX_REQUEST_BYTES) {
      conn.destroy();
      return;
    }
    const nl = buf.indexOf("\n");
    if (nl < 0) return;
    const line = buf.slice(0, nl);
    buf = "";
    void answer(line, target).then(
      (reply) => conn.end(`${JSON.stringify(reply)}\n`),
      (err: unknown) => {
        log.error(`control: ${err instanceof Error ? err.message : String(err)}`);
        conn.end(`${JSON.stringify({ ok: false, error: "internal error" })}\n`);
      },
    );
  });
  conn.on("error", () => conn.destroy());
}

async function answer(line: string, target: ControlTarget): Promise<ControlReply> {
  let req: unknown;
  try {
    req = JSON.parse(line);
  } catch {
    return { ok: false, error: "request is not JSON" };
  }
  const op = typeof req === "object" && req !== null && "op" in req ? (req as { op: unknown }).op : undefined;
  switch (op) {
    case "status":
      return { ok: true, result: target.status() };
    case "netcheck":
      return { ok: true, result: await target.netcheck() };
    case "ping": {
      const peer = (req as { peer?: unknown }).peer;
      if (typeof peer !== "string") return { ok: false, error: "ping needs a peer" };
      if (!target.probePeer(peer)) return { ok: false, error: `no coordinated peer ${peer}` };
      return { ok: true, result: target.status() };
    }
    default:
      return { ok: false, error: "unknown request" };
  }
}
