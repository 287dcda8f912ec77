// Shared test plumbing: a coordd on ephemeral loopback ports with a
// throw-away key file, and UDP/WebSocket clients that speak the real
// protocol through @plug/protocol's LinkClient.
import { createSocket, type Socket } from "node:dgram";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { pino } from "pino";
import WebSocket from "ws";
import { LinkClient, type LinkEvent, type RegisterBody, type ServerMessage } from "@plug/protocol";
import { parseOptions, startCoordd, type RunningCoordd } from "../src/index.js";

export interface TestServer {
  readonly coordd: RunningCoordd;
  close(): Promise<void>;
}

export async function startTestServer(extraArgs: string[] = []): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), "pcd-"));
  const cfg = parseOptions(
    ["--bind", "127.0.0.1", "--udp-port", "0", "--alt-udp-port", "0", "--http-port", "0", "--http-host", "127.0.0.1", "--key-file", join(dir, "key"), ...extraArgs],
    {},
  );
  const coordd = await startCoordd(cfg, pino({ level: "silent" }));
  return {
    coordd,
    async close() {
      await coordd.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function sampleBody(rid = randomBytes(16), slot = randomBytes(16), sealed: Uint8Array = randomBytes(80)): RegisterBody {
  return { rid, slot, flags: 0, sealed };
}

/** A queue of what arrives, with a bounded wait. */
class Inbox<T> {
  private readonly items: T[] = [];
  private waiters: (() => void)[] = [];

  put(x: T): void {
    this.items.push(x);
    for (const w of this.waiters.splice(0)) w();
  }

  async next(timeoutMs = 2000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    while (this.items.length === 0) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error("timed out waiting for a message");
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.items.shift() as T;
  }

  /** Everything that arrives within ms (for asserting that nothing arrives). */
  async drain(ms: number): Promise<T[]> {
    await new Promise((r) => setTimeout(r, ms));
    return this.items.splice(0);
  }
}

/** A plug client on a UDP socket: raw datagrams in `raw`, opened server messages in `messages`. */
export class UdpTestClient {
  readonly raw = new Inbox<Buffer>();
  readonly messages = new Inbox<ServerMessage>();
  readonly link: LinkClient;
  private constructor(readonly socket: Socket, private readonly server: { port: number; address: string }, serverPublic: Uint8Array) {
    this.link = new LinkClient(serverPublic);
    socket.on("message", (m) => {
      this.raw.put(m);
      for (const ev of this.link.receive(m)) this.onEvent(ev);
    });
  }

  static async open(port: number, serverPublic: Uint8Array, localAddress = "127.0.0.1"): Promise<UdpTestClient> {
    const s = createSocket("udp4");
    await new Promise<void>((r) => s.bind(0, localAddress, r));
    return new UdpTestClient(s, { port, address: "127.0.0.1" }, serverPublic);
  }

  private onEvent(ev: LinkEvent): void {
    if (ev.kind === "send") this.send(ev.bytes);
    else this.messages.put(ev.message);
  }

  send(bytes: Uint8Array): void {
    this.socket.send(bytes, this.server.port, this.server.address);
  }

  register(body: RegisterBody): void {
    this.send(this.link.register(body));
  }

  get port(): number {
    return this.socket.address().port;
  }

  close(): void {
    this.socket.close();
  }
}

/** The same over a WebSocket to /v1/ws. */
export class WsTestClient {
  readonly raw = new Inbox<Buffer>();
  readonly messages = new Inbox<ServerMessage>();
  readonly link: LinkClient;
  private constructor(readonly ws: WebSocket, serverPublic: Uint8Array) {
    this.link = new LinkClient(serverPublic);
    ws.on("message", (data: Buffer) => {
      this.raw.put(data);
      for (const ev of this.link.receive(data)) {
        if (ev.kind === "send") ws.send(ev.bytes);
        else this.messages.put(ev.message);
      }
    });
  }

  static async open(httpPort: number, serverPublic: Uint8Array): Promise<WsTestClient> {
    const ws = new WebSocket(`ws://127.0.0.1:${httpPort}/v1/ws`);
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
    return new WsTestClient(ws, serverPublic);
  }

  register(body: RegisterBody): void {
    this.ws.send(this.link.register(body));
  }

  send(bytes: Uint8Array): void {
    this.ws.send(bytes);
  }

  close(): void {
    this.ws.close();
  }
}

export async function metricsText(httpPort: number): Promise<string> {
  const r = await fetch(`http://127.0.0.1:${httpPort}/metrics`);
  return r.text();
}

export function metricValue(text: string, name: string): number {
  const line = text.split("\n").find((l) => l.startsWith(name + " "));
  if (line === undefined) throw new Error(`metric ${name} not found`);
  return Number(line.slice(name.length + 1));
}
