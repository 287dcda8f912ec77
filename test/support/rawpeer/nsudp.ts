// UDP sockets that live inside a network namespace. Node cannot setns(), so a
// small child process (`ip netns exec NS node -e ...`) owns the real sockets
// and relays datagrams over its stdio as JSON lines. This keeps every packet
// of a test inside the namespace it created instead of routing through the
// host namespace that all engineers share.
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";

const CHILD = `
const dgram = require("node:dgram");
const rl = require("node:readline").createInterface({ input: process.stdin });
const socks = new Map();
const out = (o) => process.stdout.write(JSON.stringify(o) + "\\n");
rl.on("line", (line) => {
  const c = JSON.parse(line);
  if (c.op === "open") {
    const s = dgram.createSocket({ type: c.family === 6 ? "udp6" : "udp4" });
    s.on("message", (m, r) => out({ ev: "recv", id: c.id, from: r.address, port: r.port, hex: m.toString("hex") }));
    s.on("error", (e) => out({ ev: "error", id: c.id, msg: e.message }));
    s.bind({ address: c.address, port: c.port }, () => { socks.set(c.id, s); out({ ev: "open", id: c.id, port: s.address().port }); });
  } else if (c.op === "send") {
    const s = socks.get(c.id);
    for (const hex of c.hex) s.send(Buffer.from(hex, "hex"), c.port, c.address);
    out({ ev: "sent", id: c.id, seq: c.seq });
  } else if (c.op === "flood") {
    // Repeats the given datagrams for c.ms milliseconds, at most c.rate per second (0: as fast
    // as the socket takes them), yielding to the event loop between bursts of 64.
    const s = socks.get(c.id);
    const bufs = c.hex.map((h) => Buffer.from(h, "hex"));
    const start = Date.now();
    const end = start + c.ms;
    let count = 0;
    const burst = () => {
      const now = Date.now();
      if (now >= end) { out({ ev: "flooded", id: c.id, seq: c.seq, count }); return; }
      if (c.rate > 0 && count >= ((now - start) / 1000) * c.rate) { setTimeout(burst, 2); return; }
      let left = 64;
      for (let i = 0; i < 64; i++) {
        s.send(bufs[count++ % bufs.length], c.port, c.address, () => { if (--left === 0) setImmediate(burst); });
      }
    };
    burst();
  } else if (c.op === "close") {
    socks.get(c.id)?.close(); socks.delete(c.id);
  }
});
rl.on("close", () => process.exit(0));
`;

export interface Datagram {
  readonly data: Uint8Array;
  readonly from: string;
  readonly port: number;
  /** Monotonic arrival order across all sockets of the namespace. */
  readonly seq: number;
}

interface ChildEvent {
  ev: "open" | "recv" | "error" | "sent" | "flooded";
  count?: number;
  id: number;
  port?: number;
  from?: string;
  hex?: string;
  msg?: string;
  seq?: number;
}

export class NsUdpSocket {
  /** Everything received and not yet taken by `next`. */
  readonly inbox: Datagram[] = [];
  /** Everything ever received, for "nothing came back" assertions. */
  readonly received: Datagram[] = [];
  private waiters: (() => void)[] = [];

  constructor(
    private readonly owner: NsUdp,
    readonly id: number,
    readonly address: string,
    readonly port: number,
  ) {}

  /** Resolves once the child has handed the datagrams to the kernel. */
  send(data: Uint8Array | readonly Uint8Array[], address: string, port: number): Promise<void> {
    const list = data instanceof Uint8Array ? [data] : data;
    return this.owner.sendFrom(this.id, list, address, port);
  }

  /** Sends `data` round-robin for `ms` milliseconds, at most `rate` per second (0: unbounded). */
  flood(data: readonly Uint8Array[], address: string, port: number, ms: number, rate = 0): Promise<number> {
    return this.owner.floodFrom(this.id, data, address, port, ms, rate);
  }

  /** When true, received datagrams are only counted, not kept (floods draw huge numbers of replies). */
  countOnly = false;
  receivedCount = 0;

  deliver(d: Datagram): void {
    this.receivedCount++;
    if (this.countOnly) return;
    this.inbox.push(d);
    this.received.push(d);
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Takes the first queued datagram accepted by `match` (others stay queued); null after `timeoutMs`. */
  async next(match: (d: Datagram) => boolean = () => true, timeoutMs = 5000): Promise<Datagram | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.inbox.findIndex(match);
      if (i >= 0) return this.inbox.splice(i, 1)[0] ?? null;
      const left = deadline - Date.now();
      if (left <= 0) return null;
      await new Promise<void>((res) => {
        const t = setTimeout(res, left);
        this.waiters.push(() => {
          clearTimeout(t);
          res();
        });
      });
    }
  }

  /** Drops everything queued (e.g. retransmissions we no longer care about). */
  drain(): void {
    this.inbox.length = 0;
  }

  close(): void {
    this.owner.command({ op: "close", id: this.id });
  }
}

export class NsUdp {
  private readonly child: ChildProcess;
  private readonly sockets = new Map<number, NsUdpSocket>();
  private readonly pendingOpen = new Map<number, { address: string; resolve: (s: NsUdpSocket) => void; reject: (e: Error) => void }>();
  private readonly pendingSend = new Map<number, () => void>();
  private readonly pendingFlood = new Map<number, (count: number) => void>();
  private nextId = 1;
  private nextSeq = 1;
  private arrival = 0;
  private exited = false;

  constructor(readonly namespace: string) {
    this.child = spawn("ip", ["netns", "exec", namespace, process.execPath, "-e", CHILD], { stdio: ["pipe", "pipe", "inherit"] });
    this.child.on("exit", () => {
      this.exited = true;
      for (const p of this.pendingOpen.values()) p.reject(new Error("udp helper exited"));
    });
    createInterface({ input: this.child.stdout! }).on("line", (line) => this.onLine(line));
  }

  private onLine(line: string): void {
    const e = JSON.parse(line) as ChildEvent;
    if (e.ev === "open") {
      const p = this.pendingOpen.get(e.id);
      this.pendingOpen.delete(e.id);
      const s = new NsUdpSocket(this, e.id, p?.address ?? "", e.port ?? 0);
      this.sockets.set(e.id, s);
      p?.resolve(s);
    } else if (e.ev === "recv") {
      this.sockets.get(e.id)?.deliver({
        data: new Uint8Array(Buffer.from(e.hex ?? "", "hex")), from: e.from ?? "", port: e.port ?? 0, seq: ++this.arrival,
      });
    } else if (e.ev === "flooded") {
      const f = this.pendingFlood.get(e.seq ?? 0);
      this.pendingFlood.delete(e.seq ?? 0);
      f?.(e.count ?? 0);
    } else if (e.ev === "sent") {
      const f = this.pendingSend.get(e.seq ?? 0);
      this.pendingSend.delete(e.seq ?? 0);
      f?.();
    } else if (e.ev === "error") {
      const p = this.pendingOpen.get(e.id);
      this.pendingOpen.delete(e.id);
      p?.reject(new Error(e.msg));
    }
  }

  command(c: object): void {
    if (!this.exited) this.child.stdin!.write(`${JSON.stringify(c)}\n`);
  }

  open(address = "127.0.0.1", port = 0): Promise<NsUdpSocket> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pendingOpen.set(id, { address, resolve, reject });
      this.command({ op: "open", id, address, port, family: address.includes(":") ? 6 : 4 });
    });
  }

  sendFrom(id: number, data: readonly Uint8Array[], address: string, port: number): Promise<void> {
    const seq = this.nextSeq++;
    return new Promise((resolve) => {
      this.pendingSend.set(seq, resolve);
      this.command({ op: "send", id, seq, address, port, hex: data.map((d) => Buffer.from(d).toString("hex")) });
    });
  }

  /** Sends `data` round-robin from socket `id` for `ms` milliseconds at most `rate`/s; resolves with the count. */
  floodFrom(id: number, data: readonly Uint8Array[], address: string, port: number, ms: number, rate: number): Promise<number> {
    const seq = this.nextSeq++;
    return new Promise((resolve) => {
      this.pendingFlood.set(seq, resolve);
      this.command({ op: "flood", id, seq, address, port, ms, rate, hex: data.map((d) => Buffer.from(d).toString("hex")) });
    });
  }

  close(): void {
    if (!this.exited) this.child.stdin!.end();
    this.child.kill();
  }
}
