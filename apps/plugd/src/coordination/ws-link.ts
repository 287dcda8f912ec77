// The coordd link over WebSocket (docs/PROTOCOL.md §10) for networks that
// block UDP: the same REGISTER/ACK/PUSH and RELAY messages, one per binary
// message. Reconnects with backoff while wanted; reports open/close so the
// link can re-register at once.
import type WebSocket from "ws";

/** Loaded on first use: most networks never need the WebSocket, and `ws` costs start-up time. */
let wsModule: Promise<typeof import("ws")> | null = null;
function loadWs(): Promise<typeof import("ws")> {
  wsModule ??= import("ws");
  return wsModule;
}

export interface WsLinkEvents {
  onOpen(): void;
  onMessage(data: Uint8Array): void;
  onClose(reason: string): void;
}

/** Base URL as configured ("ws://host:port" or with a path prefix) → the protocol's endpoint. */
export function webSocketEndpoint(base: string): string {
  const url = new URL(base);
  url.pathname = `${url.pathname.replace(/\/+$/, "")}/v1/ws`;
  return url.toString();
}

const MAX_MESSAGE = 4096;
const RECONNECT_MIN_MS = 500;
const RECONNECT_MAX_MS = 30_000;

export class WsLink {
  private socket: WebSocket | null = null;
  private wanted = false;
  private backoff = RECONNECT_MIN_MS;
  private timer: NodeJS.Timeout | null = null;
  private open = false;

  constructor(
    private readonly url: string,
    private readonly events: WsLinkEvents,
  ) {}

  get isOpen(): boolean {
    return this.open;
  }

  start(): void {
    if (this.wanted) return;
    this.wanted = true;
    this.connect();
  }

  stop(): void {
    this.wanted = false;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.socket?.terminate();
    this.socket = null;
    this.open = false;
  }

  send(bytes: Uint8Array): boolean {
    if (!this.open || this.socket === null) return false;
    this.socket.send(bytes, { binary: true });
    return true;
  }

  private connect(): void {
    void loadWs().then(
      (m) => {
        if (this.wanted) this.startSocket(m.default);
      },
      (err: unknown) => this.events.onClose(`cannot load the WebSocket client: ${String(err)}`),
    );
  }

  private startSocket(Client: typeof WebSocket): void {
    const ws = new Client(this.url, { maxPayload: MAX_MESSAGE, handshakeTimeout: 5_000, perMessageDeflate: false });
    this.socket = ws;
    ws.binaryType = "nodebuffer";
    ws.on("open", () => {
      if (this.socket !== ws) return;
      this.open = true;
      this.backoff = RECONNECT_MIN_MS;
      this.events.onOpen();
    });
    ws.on("message", (data: Buffer, isBinary: boolean) => {
      if (this.socket === ws && isBinary) this.events.onMessage(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    });
    ws.on("error", () => {
      // 'close' follows and carries the reconnect; the error text is in its reason.
    });
    ws.on("close", (code: number) => {
      if (this.socket !== ws) return;
      const wasOpen = this.open;
      this.open = false;
      this.socket = null;
      if (wasOpen) this.events.onClose(`closed (${code})`);
      if (!this.wanted) return;
      this.timer = setTimeout(() => {
        this.timer = null;
        if (this.wanted) this.connect();
      }, this.backoff);
      this.backoff = Math.min(RECONNECT_MAX_MS, this.backoff * 2);
    });
  }
}
