// How netconfig runs system commands: always a program and an argument array
// (execFile, no shell), optional stdin text. The runner is a parameter so the
// same code can act inside a network namespace (`ip netns exec NS ...`).
import { execFile } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

export interface CommandResult {
  stdout: string;
  stderr: string;
}

export type CommandRunner = (file: string, args: readonly string[], input?: string) => Promise<CommandResult>;

export class CommandError extends Error {
  constructor(
    readonly command: string,
    /** Exit status, or a spawn error code such as "ENOENT". */
    readonly code: number | string,
    readonly stderr: string,
  ) {
    super(`\`${command}' failed (${code})${stderr.trim() ? `: ${stderr.trim()}` : ""}`);
  }
}

export function commandLine(file: string, args: readonly string[]): string {
  return [file, ...args].join(" ");
}

/** Runs in this process's namespaces. stdin is always closed so nothing waits on it. */
export const execRunner: CommandRunner = (file, args, input) =>
  new Promise((resolve, reject) => {
    const child = execFile(file, [...args], { encoding: "utf8", maxBuffer: 4 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        const code = typeof err.code === "number" || typeof err.code === "string" ? err.code : "error";
        reject(new CommandError(commandLine(file, args), code, stderr));
      } else {
        resolve({ stdout, stderr });
      }
    });
    child.stdin?.on("error", () => {}); // a command that exits without reading stdin
    child.stdin?.end(input ?? "");
  });

/** Runs every command inside network namespace `ns` (the file system stays shared). */
export function netnsRunner(ns: string, base: CommandRunner = execRunner): CommandRunner {
  return (file, args, input) => base("ip", ["netns", "exec", ns, file, ...args], input);
}

/** PATH lookup without a shell (`command -v`). */
export function commandExists(name: string, path: string = process.env.PATH ?? ""): boolean {
  for (const dir of path.split(delimiter)) {
    if (dir === "") continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}
