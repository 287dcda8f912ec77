// The UAPI socket: a UNIX stream socket at /var/run/wireguard/IFNAME.sock
// speaking the text protocol (UapiSession) to wg, wg-quick and friends.
// Requests on one connection run strictly one after another, and a
// server-wide lock keeps requests from different connections from
// interleaving (a set awaits its rebind), like wireguard-go's ipcMutex.
import { createServer, type Server, type Socket } from "node:net";
import { chmodSync, mkdirSync, statSync, unlinkSync, watch, type FSWatcher } from "node:fs";
import { UapiSession, DEFAULT_UAPI_LIMITS, type DeviceControl, type Logger, type UapiLimits, type SessionOutput } from "@plug/wireguard";
import { DEFAULT_SOCKET_DIR, probeSocket, socketPath } from "./socket-path.js";

export interface UapiServerOptions {
  readonly ifname: string;
  readonly control: DeviceControl;
  readonly log: Logger;
  /** Defaults to /var/run/wireguard. */
  readonly dir?: string;
  readonly limits?: UapiLimits;
  /**
   * Most connections open at once. wireguard-go has no limit; this one is only
   * a backstop against fd exhaustion, set far above what idle or stuck local
   * clients could reasonably hold, so they cannot lock out `wg`.
   */
  readonly maxConnections?: number;
  /** Called after every answered request (the configuration may have changed). */
  readonly onRequestDone?: () => void;
  /** Called once if someone deletes or replaces the socket file (the daemon should then exit). */
  readonly onSocketRemoved?: () => void;
}

export class SocketInUseError extends Error {}

export class UapiServer {
  private watcher: FSWatcher | null = null;
  private closed = false;
  private readonly connections = new Set<Socket>();
  private lock: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly path: string,
    private readonly server: Server,
    private readonly inode: number,
  ) {}

  static async listen(opts: UapiServerOptions): Promise<UapiServer> {
    const dir = opts.dir ?? DEFAULT_SOCKET_DIR;
    const path = socketPath(dir, opts.ifname);
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    const state = await probeSocket(path);
    if (state === "live") throw new SocketInUseError(`UAPI socket ${path} is in use: is another daemon running ${opts.ifname}?`);
    if (state === "stale") {
      opts.log.verbose(`Removing stale UAPI socket ${path}`);
      unlinkSync(path);
    }
    const limits = opts.limits ?? DEFAULT_UAPI_LIMITS;
    let self: UapiServer | null = null;
    const server = createServer({ allowHalfOpen: true }, (conn) => self?.serve(conn, opts, limits));
    server.maxConnections = opts.maxConnections ?? 4096;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      // The socket is created with umask 077 (srwx------) as wireguard-go does, so
      // there is no window in which another user could connect.
      const old = process.umask(0o077);
      try {
        server.listen(path, () => {
          server.off("error", reject);
          resolve();
        });
      } finally {
        process.umask(old);
      }
    });
    chmodSync(path, 0o700);
    server.on("error", (err) => opts.log.error(`UAPI: listener error: ${err.message}`));
    self = new UapiServer(path, server, statSync(path).ino);
    self.watch(opts);
    return self;
  }

  /** Stops listening, drops open connections and removes the socket file if it is still ours. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.watcher?.close();
    for (const conn of this.connections) conn.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    if (this.stillOurs()) {
      try {
        unlinkSync(this.path);
      } catch {
        // Already gone: nothing to clean.
      }
    }
  }

  private stillOurs(): boolean {
    try {
      return statSync(this.path).ino === this.inode;
    } catch {
      return false;
    }
  }

  private watch(opts: UapiServerOptions): void {
    const onRemoved = opts.onSocketRemoved;
    if (onRemoved === undefined) return;
    this.watcher = watch(this.path, { persistent: false }, () => {
      if (this.closed || this.stillOurs()) return;
      opts.log.info(`UAPI socket ${this.path} was removed`);
      this.watcher?.close();
      this.watcher = null;
      onRemoved();
    });
    this.watcher.on("error", () => {
      // The watched file vanished in a way inotify reports as an error: same meaning.
      if (!this.closed && !this.stillOurs()) onRemoved();
    });
  }

  private exclusive<T>(f: () => Promise<T>): Promise<T> {
    const run = this.lock.then(f, f);
    this.lock = run.catch(() => undefined);
    return run;
  }

  private serve(conn: Socket, opts: UapiServerOptions, limits: UapiLimits): void {
    if (this.closed) {
      conn.destroy();
      return;
    }
    this.connections.add(conn);
    const session = new UapiSession(opts.control, opts.log, limits);
    let queue: Promise<void> = Promise.resolve();
    let done = false;
    const step = (f: () => Promise<SessionOutput>): void => {
      queue = queue
        .then(async () => {
          if (done) return;
          const out = await this.exclusive(f);
          if (out.reply !== "") {
            conn.write(out.reply);
            opts.onRequestDone?.();
          }
          if (out.close) {
            done = true;
            conn.end();
          }
        })
        .catch((err: unknown) => {
          done = true;
          opts.log.error(`UAPI: ${err instanceof Error ? err.message : String(err)}`);
          conn.destroy();
        });
    };
    conn.on("data", (chunk: Buffer) => {
      conn.pause();
      step(() => session.receive(chunk));
      void queue.then(() => {
        if (!done && !conn.destroyed) conn.resume();
      });
    });
    // An empty connection (wg's probe) ends here with nothing to say.
    conn.on("end", () => step(() => session.end()));
    conn.on("error", (err) => opts.log.verbose(`UAPI: connection error: ${err.message}`));
    conn.on("close", () => {
      done = true;
      this.connections.delete(conn);
    });
  }
}
