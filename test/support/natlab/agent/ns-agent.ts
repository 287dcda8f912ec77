// The test side of agent-main.ts: starts it in a namespace and calls it with bounded waits.
// Every call fails with AgentError, whose `remoteName` is the agent's error class (a STUN timeout
// is "StunTimeoutError"), so a test can tell silence from breakage.
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { NatBehavior } from "@plug/nat";
import { REPO_ROOT, type Netns } from "../../netns.js";
import type { AgentBinding, AgentDatagram, AgentReply } from "./protocol.js";

const AGENT_MAIN = fileURLToPath(new URL("./agent-main.ts", import.meta.url));

export class AgentError extends Error {
  constructor(
    message: string,
    readonly remoteName: string,
  ) {
    super(message);
    this.name = "AgentError";
  }
}

interface Waiter {
  readonly resolve: (v: unknown) => void;
  readonly reject: (e: Error) => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

export interface StunServer {
  readonly host: string;
  readonly port: number;
}

export interface BindingRequest {
  readonly changeIp?: boolean;
  readonly changePort?: boolean;
  /** RFC 5389 retransmission schedule overrides (silence is expected in filtering tests). */
  readonly rtoMs?: number;
  readonly rc?: number;
  readonly rm?: number;
}

export class NsAgent {
  private readonly child: ChildProcess;
  private nextId = 1;
  private readonly waiters = new Map<number, Waiter>();
  private stderr = "";
  readonly exited: Promise<void>;

  constructor(readonly ns: Netns) {
    this.child = spawn("ip", ["netns", "exec", ns.name, process.execPath, "--import", "tsx", AGENT_MAIN], { cwd: REPO_ROOT, stdio: ["pipe", "pipe", "pipe"] });
    this.child.stderr?.on("data", (d: Buffer) => void (this.stderr = (this.stderr + d.toString()).slice(-8000)));
    const stdout = this.child.stdout;
    if (stdout === null) throw new Error("natlab agent: no stdout pipe");
    createInterface({ input: stdout }).on("line", (line) => this.onLine(line));
    this.exited = new Promise((resolve) => {
      this.child.once("exit", () => {
        for (const w of this.waiters.values()) {
          clearTimeout(w.timer);
          w.reject(new AgentError(`agent in ${ns.name} exited: ${this.stderr.slice(-2000)}`, "Exit"));
        }
        this.waiters.clear();
        resolve();
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  private onLine(line: string): void {
    let msg: AgentReply;
    try {
      msg = JSON.parse(line) as AgentReply;
    } catch {
      return;
    }
    const w = msg.id === undefined ? undefined : this.waiters.get(msg.id);
    if (w === undefined || msg.id === undefined) return;
    this.waiters.delete(msg.id);
    clearTimeout(w.timer);
    if (msg.ok) w.resolve(msg.result);
    else w.reject(new AgentError(msg.error ?? "agent error", msg.errorName ?? "Error"));
  }

  call<T>(op: string, args: Record<string, unknown> = {}, timeoutMs = 30_000): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(id);
        reject(new AgentError(`agent op ${op} in ${this.ns.name} timed out; stderr: ${this.stderr.slice(-2000)}`, "Timeout"));
      }, timeoutMs);
      this.waiters.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      this.child.stdin?.write(JSON.stringify({ id, op, ...args }) + "\n");
    });
  }

  /** A UDP socket in the namespace (port 0: the kernel picks). Returns its handle and local port. */
  open(port = 0, opts: { address?: string; family?: 4 | 6 } = {}): Promise<{ socket: number; port: number }> {
    return this.call("open", { port, ...(opts.address ? { address: opts.address } : {}), family: opts.family ?? 4 });
  }

  binding(socket: number, server: StunServer, req: BindingRequest = {}): Promise<AgentBinding> {
    return this.call("binding", { socket, server: server.host, port: server.port, ...req }, 60_000);
  }

  /** RFC 5780 discovery with @plug/nat. `local` is the host's own address, to detect "no NAT". */
  discover(socket: number, server: StunServer, local?: string): Promise<NatBehavior> {
    return this.call("discover", { socket, server: server.host, port: server.port, ...(local ? { local } : {}) }, 90_000);
  }

  send(socket: number, to: string, port: number, text: string): Promise<void> {
    return this.call("send", { socket, to, port, text });
  }

  received(socket: number): Promise<AgentDatagram[]> {
    return this.call("received", { socket });
  }

  closeSocket(socket: number): Promise<void> {
    return this.call("close", { socket });
  }

  /** Ends the agent (stdin EOF makes it exit; SIGKILL if it does not within a second). */
  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.stdin?.end();
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 1000);
    await this.exited;
    clearTimeout(timer);
  }

  killSync(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
  }
}
