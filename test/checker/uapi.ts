// A byte-level UAPI client (WIREGUARD.md §9): raw text over the unix socket,
// so checks see exactly what the daemon writes, errno lines included.
import { connect, type Socket } from "node:net";

/** One connection that can carry several requests in a row, as wireguard-go allows. */
export class UapiConnection {
  private buf = "";
  private waiter: (() => void) | null = null;
  private closed = false;

  private constructor(private readonly sock: Socket) {
    sock.setEncoding("utf8");
    sock.on("data", (d: string) => {
      this.buf += d;
      this.waiter?.();
    });
    sock.on("close", () => {
      this.closed = true;
      this.waiter?.();
    });
    sock.on("error", () => undefined);
  }

  static open(path: string): Promise<UapiConnection> {
    return new Promise((resolve, reject) => {
      const s = connect(path);
      s.once("connect", () => resolve(new UapiConnection(s)));
      s.once("error", reject);
    });
  }

  /** Sends `request` verbatim and returns the response through its terminating blank line. */
  async request(request: string, timeoutMs = 5000): Promise<string> {
    this.sock.write(request);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = /errno=-?\d+\n\n/.exec(this.buf);
      if (m) {
        const end = m.index + m[0].length;
        const out = this.buf.slice(0, end);
        this.buf = this.buf.slice(end);
        return out;
      }
      if (this.closed) throw new Error(`UAPI connection closed after ${JSON.stringify(this.buf)}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`UAPI response timed out; got ${JSON.stringify(this.buf)}`);
      await new Promise<void>((res) => {
        const t = setTimeout(res, left);
        this.waiter = () => {
          clearTimeout(t);
          this.waiter = null;
          res();
        };
      });
    }
  }

  get isClosed(): boolean {
    return this.closed;
  }

  write(raw: string | Uint8Array): void {
    this.sock.write(raw);
  }

  close(): void {
    this.sock.destroy();
  }
}

export async function uapiRequest(path: string, request: string): Promise<string> {
  const c = await UapiConnection.open(path);
  try {
    return await c.request(request);
  } finally {
    c.close();
  }
}

export interface UapiPeer {
  readonly fields: Map<string, string>;
  readonly allowedIps: string[];
}

export interface UapiDevice {
  readonly fields: Map<string, string>;
  readonly peers: Map<string, UapiPeer>;
  readonly errno: number;
}

/** Parses a get response the way `wg` does: device keys until the first public_key. */
export function parseGet(text: string): UapiDevice {
  const fields = new Map<string, string>();
  const peers = new Map<string, UapiPeer>();
  let peer: UapiPeer | null = null;
  let errno = NaN;
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const eq = line.indexOf("=");
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    if (key === "errno") errno = Number(value);
    else if (key === "public_key") {
      peer = { fields: new Map(), allowedIps: [] };
      peers.set(value, peer);
    } else if (peer && key === "allowed_ip") peer.allowedIps.push(value);
    else (peer ? peer.fields : fields).set(key, value);
  }
  return { fields, peers, errno };
}
