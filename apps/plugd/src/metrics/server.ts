// The opt-in Prometheus endpoint (MetricsListen = IP:port): plain HTTP,
// GET /metrics only, everything else 404. Bind it to a loopback or private
// address: the page names peers by public key and shows their traffic.
import { createServer, type Server } from "node:http";
import type { Logger } from "@plug/wireguard";

export class MetricsServer {
  private constructor(private readonly server: Server) {}

  static async listen(host: string, port: number, render: () => string, log: Logger): Promise<MetricsServer> {
    const server = createServer((req, res) => {
      if (req.method !== "GET" || (req.url ?? "").split("?")[0] !== "/metrics") {
        res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
        return;
      }
      try {
        res.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end(render());
      } catch (err) {
        log.error(`metrics: ${err instanceof Error ? err.message : String(err)}`);
        res.writeHead(500).end();
      }
    });
    server.headersTimeout = 5_000;
    server.requestTimeout = 10_000;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => resolve());
    });
    return new MetricsServer(server);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
