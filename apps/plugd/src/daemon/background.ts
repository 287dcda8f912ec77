// `plugd IFNAME` without -f: start a detached copy of ourselves in the
// foreground mode and exit only once it reports on the readiness pipe.
// wireguard-go forks after creating the TUN and socket; Node cannot fork, so
// the child does the work and the parent relays the verdict.
import { spawn } from "node:child_process";
import type { Readable } from "node:stream";
import { READY_FD_ENV } from "./readiness.js";

export interface BackgroundOptions {
  /** Our own command line after the script path (the child adds nothing but the environment). */
  readonly argv: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  /** Script to run (process.argv[1]); node options such as --import are kept. */
  readonly script: string;
}

/** Resolves to the exit code for the parent. */
export async function startInBackground(opts: BackgroundOptions): Promise<number> {
  const level = opts.env.LOG_LEVEL;
  // As wireguard-go: the background copy keeps stdout/stderr only when LOG_LEVEL asks for output.
  const keepOutput = level !== undefined && level !== "" && level !== "silent";
  const stdio: Array<"ignore" | "inherit" | "pipe" | number> = ["ignore", keepOutput ? "inherit" : "ignore", keepOutput ? "inherit" : "ignore", "pipe"];
  // An inherited TUN fd (WG_TUN_FD) must reach the child under the same number.
  const tunFd = opts.env.WG_TUN_FD;
  if (tunFd !== undefined && /^\d+$/.test(tunFd)) {
    const fd = Number(tunFd);
    if (fd <= 3) {
      process.stderr.write(`plugd: WG_TUN_FD=${fd} collides with the readiness pipe; run with --foreground\n`);
      return 1;
    }
    while (stdio.length < fd) stdio.push("ignore");
    stdio[fd] = fd;
  }
  const child = spawn(process.execPath, [...process.execArgv, opts.script, ...opts.argv], {
    detached: true,
    env: { ...opts.env, WG_PROCESS_FOREGROUND: "1", [READY_FD_ENV]: "3" },
    stdio,
  });
  const pipe = child.stdio[3] as Readable | null | undefined;
  if (pipe === null || pipe === undefined) {
    process.stderr.write("plugd: cannot create the readiness pipe\n");
    child.kill();
    return 1;
  }
  const verdict = await new Promise<string>((resolve) => {
    let text = "";
    pipe.setEncoding("utf8");
    pipe.on("data", (chunk: string) => {
      text += chunk;
      const nl = text.indexOf("\n");
      if (nl >= 0) resolve(text.slice(0, nl));
      if (text.length > 64 * 1024) resolve("ERROR plugd: malformed readiness report");
    });
    pipe.on("error", () => resolve(""));
    pipe.on("close", () => resolve(text));
    child.on("error", (err) => resolve(`ERROR plugd: cannot start the background process: ${err.message}`));
  });
  pipe.destroy();
  if (verdict === "READY") {
    child.unref();
    return 0;
  }
  if (verdict.startsWith("ERROR ")) {
    process.stderr.write(`${verdict.slice("ERROR ".length)}\n`);
  } else {
    const code = await new Promise<number | null>((resolve) => {
      if (child.exitCode !== null) resolve(child.exitCode);
      else child.once("exit", (c) => resolve(c));
    });
    process.stderr.write(`plugd: the background process exited (code ${code ?? "unknown"}) before the interface was ready\n`);
  }
  child.unref();
  return 1;
}
