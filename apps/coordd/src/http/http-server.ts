// The HTTP edge (fastify): /healthz, /metrics and the WebSocket transport
// (ws) at /v1/ws for clients whose network blocks UDP. Each WebSocket binary
// message is one plug message; the connection is the client's "address".
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import { WebSocketServer, type WebSocket } from "ws";
import type { Logger } from "pino";
import { normalizeEndpoint } from "@plug/protocol";
import type { CoordCore } from "../core/coord-core.js";
import { DropReason } from "../core/metrics.js";
import type { Send, Source } from "../core/types.js";
import { renderMetrics } from "./prometheus.js";

export const WS_PATH = "/v1/ws";
const MAX_WS_MESSAGE = 4096;
/** Unsent bytes a slow WebSocket client may accumulate before relay frames to it are dropped. */
const MAX_WS_BUFFERED = 1 << 20;

export class HttpServer {
  private readonly app: FastifyInstance;
  private readonly wss: WebSocketServer;
  private readonly conns = new Map<string, WebSocket>();
  private nextId = 1;

  constructor(
    private readonly core: CoordCore,
    private readonly now: () => number,
    private readonly deliverUdp: (s: Send) => void,
    logger: Logger,
  ) {
    this.app = Fastify({ loggerInstance: logger as FastifyBaseLogger, bodyLimit: 1024 });
    this.wss = new WebSocketServer({ noServer: true, maxPayload: MAX_WS_MESSAGE, perMessageDeflate: false });
    // Scrapes and probes are routine: keep them out of the info log.
    this.app.get("/healthz", { logLevel: "warn" }, async () => ({ status: "ok" }));
    this.app.get("/metrics", { logLevel: "warn" }, async (_req, reply) => {
      reply.header("content-type", "text/plain; version=0.0.4");
      return renderMetrics(this.core, { wsConnections: this.conns.size });
    });
    this.app.server.on("upgrade", (req, socket, head) => {
      if ((req.url ?? "").split("?")[0] !== WS_PATH) {
        socket.destroy();
        return;
      }
      const address = req.socket.remoteAddress;
      if (address === undefined) {
        socket.destroy(); // already gone
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, address, req.socket.remotePort ?? 0));
    });
  }

  private accept(ws: WebSocket, address: string, port: number): void {
    const id = `w${this.nextId++}`;
    const source: Source = { id, transport: "ws", endpoint: normalizeEndpoint(address, port), local: 0 };
    this.conns.set(id, ws);
    ws.on("message", (data, isBinary) => {
      if (!isBinary) {
        this.core.metrics.drop(DropReason.Malformed);
        ws.close(1003);
        return;
      }
      const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
      try {
        for (const s of this.core.handle(buf, source, this.now())) this.deliver(s);
      } catch {
        this.core.metrics.drop(DropReason.InternalError);
      }
    });
    ws.on("error", () => ws.terminate());
    ws.on("close", () => {
      this.conns.delete(id);
      for (const s of this.core.disconnect(id)) this.deliver(s);
    });
  }

  deliver(s: Send): void {
    if (s.to.transport === "udp") {
      this.deliverUdp(s);
      return;
    }
    const ws = this.conns.get(s.to.id);
    if (ws === undefined || ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount > MAX_WS_BUFFERED) {
      this.core.metrics.drop(DropReason.PeerUnreachable);
      return;
    }
    ws.send(s.bytes, { binary: true });
  }

  get connections(): number {
    return this.conns.size;
  }

  async listen(port: number, host: string): Promise<number> {
    await this.app.listen({ port, host });
    const addr = this.app.server.address();
    return typeof addr === "object" && addr !== null ? addr.port : port;
  }

  async close(): Promise<void> {
    for (const ws of this.conns.values()) ws.terminate();
    this.wss.close();
    await this.app.close();
  }
}
