// Runs agent.ts inside a lab namespace (Node cannot enter a namespace itself)
// and talks to it over JSON lines with bounded waits.
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const agentPath = fileURLToPath(new URL("./agent.ts", import.meta.url));
const repoRoot = fileURLToPath(new URL("../../../../", import.meta.url));

type Waiter = { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: ReturnType<typeof setTimeout> };

export class LabAgent {
  private readonly child: ChildProcess;
  private nextId = 1;
  private readonly waiters = new Map<number, Waiter>();
  private stderr = "";

  constructor(ns: string) {
    this.child = spawn("ip", ["netns", "exec", ns, process.execPath, "--import", "tsx", agentPath], {
      cwd: repoRoot,
      stdio: ["pipe", "pipe", "pipe"],
    });
    this.child.stderr?.on("data", (d: Buffer) => void (this.stderr += d.toString()));
    const rl = createInterface({ input: this.child.stdout! });
    rl.on("line", (line) => {
      let msg: { id?: number; ok?: boolean; result?: unknown; error?: string };
      try {
        msg = JSON.parse(line) as typeof msg;
      } catch {
        return;
      }
      const w = msg.id === undefined ? undefined : this.waiters.get(msg.id);
      if (w === undefined || msg.id === undefined) return;
      this.waiters.delete(msg.id);
      clearTimeout(w.timer);
      if (msg.ok) w.resolve(msg.result);
      else w.reject(new Error(msg.error ?? "agent error"));
    });
    this.child.on("exit", () => {
      for (const w of this.waiters.values()) {
        clearTimeout(w.timer);
        w.reject(new Error(`agent exited: ${this.stderr.slice(-2000)}`));
      }
      this.waiters.clear();
    });
  }

  call<T>(op: string, args: Record<string, unknown> = {}, timeoutMs = 30_000): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(id);
        reject(new Error(`agent op ${op} timed out; stderr: ${this.stderr.slice(-2000)}`));
      }, timeoutMs);
      this.waiters.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      this.child.stdin?.write(JSON.stringify({ id, op, ...args }) + "\n");
    });
  }

  close(): void {
    if (this.child.exitCode === null && this.child.pid !== undefined) {
      try {
        process.kill(this.child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }
}
