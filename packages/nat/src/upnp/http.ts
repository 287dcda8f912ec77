// Minimal HTTP for UPnP: bounded time and size, plain http only (IGDs on the
// LAN do not speak TLS), and the local address the request left from (the
// NewInternalClient we must register).
import { request } from "node:http";

export interface HttpResult {
  readonly status: number;
  readonly body: string;
  readonly localAddress: string;
}

export interface HttpOptions {
  readonly method?: "GET" | "POST";
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly timeoutMs?: number;
  readonly maxBytes?: number;
}

export function httpRequest(url: string, opts: HttpOptions = {}): Promise<HttpResult> {
  const maxBytes = opts.maxBytes ?? 256 * 1024;
  return new Promise<HttpResult>((resolve, reject) => {
    const u = new URL(url);
    if (u.protocol !== "http:") return reject(new Error(`unsupported URL ${url}`));
    const body = opts.body === undefined ? undefined : Buffer.from(opts.body, "utf8");
    const req = request(
      {
        host: u.hostname.replace(/^\[|\]$/g, ""),
        port: u.port === "" ? 80 : Number(u.port),
        path: `${u.pathname}${u.search}`,
        method: opts.method ?? "GET",
        headers: { ...opts.headers, ...(body ? { "Content-Length": String(body.length) } : {}), Connection: "close" },
        timeout: opts.timeoutMs ?? 5000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (d: Buffer) => {
          size += d.length;
          if (size > maxBytes) {
            req.destroy(new Error(`response from ${url} larger than ${maxBytes} bytes`));
            return;
          }
          chunks.push(d);
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8"), localAddress: req.socket?.localAddress ?? "" }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`HTTP timeout for ${url}`)));
    req.on("error", reject);
    req.end(body);
  });
}
