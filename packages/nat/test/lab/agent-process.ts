// A script run inside a network namespace (Node cannot enter one itself) and
// called over JSON lines with bounded waits. Both this package's lab agent and
// the end-to-end NAT lab's agent (test/support/natlab) speak through it.
// Replies are {id, ok, result} or {id, ok: false, error, errorName}; a failed
// call rejects with AgentError, whose remoteName is the agent's error class
// (a STUN timeout is "StunTimeoutError"), "Timeout" or "Exit", so a test can
// tell silence from breakage.
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const REPO_ROOT = fileURLToPath(new URL("../../../../", import.meta.url));

export class AgentError extends Error {
  constructor(
    message: string,
    readonly remoteName: string,
  ) {
    super(message);
    this.name = "AgentError";
  }
}

interface Reply {
  readonly id?: number;
  readonly ok?: boolean;
  readonly result?: unknown;
  readonly error?: string;
  readonly errorName?: string;
}

interface Waiter {
  readonly resolve: (v: unknown) => void;
  readonly reject: (e: Error) => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

export class AgentProcess {
  private readonly child: ChildProcess;
  private nextId = 1;
  private readonly waiters = new Map<number, Waiter>();
  private stderr = "";
  readonly exited: Promise<void>;

  /** Starts `script` (TypeScript, through tsx) in namespace `ns`. */
  constructor(
    readonly ns: string,
    script: string,
  ) {
    this.child = spawn("ip", ["netns", "exec", ns, process.execPath, "--import", "tsx", script], { cwd: REPO_ROOT, stdio: ["pipe", "pipe", "pipe"] });
    this.child.stderr?.on("data", (d: Buffer) => void (this.stderr = (this.stderr + d.toString()).slice(-8000)));
    const stdout = this.child.stdout;
    if (stdout === null) throw new Error("lab agent: no stdout pipe");
    createInterface({ input: stdout }).on("line", (line) => this.onLine(line));
    this.exited = new Promise((resolve) => {
      this.child.once("exit", () => {
        for (const w of this.waiters.values()) {
          clearTimeout(w.timer);
          w.reject(new AgentError(`agent in ${ns} exited: ${this.stderr.slice(-2000)}`, "Exit"));
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
    let msg: Reply;
    try {
      msg = JSON.parse(line) as Reply;
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
        reject(new AgentError(`agent op ${op} in ${this.ns} timed out; stderr: ${this.stderr.slice(-2000)}`, "Timeout"));
      }, timeoutMs);
      this.waiters.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      this.child.stdin?.write(JSON.stringify({ id, op, ...args }) + "\n");
    });
  }

  /** Ends the agent (stdin EOF makes it exit; SIGKILL if it does not within a second). */
  async close(): Promise<void> {
    if (!this.running) return;
    this.child.stdin?.end();
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 1000);
    await this.exited;
    clearTimeout(timer);
  }

  killSync(): void {
    if (this.running) this.child.kill("SIGKILL");
  }
}
