// PreUp/PostUp/PreDown/PostDown: bash snippets, as wg-quick runs them:
// `(eval "$hook")` inside a script running under `set -e -o pipefail`, so the
// first failing command fails the hook; `%i` is replaced by the interface name.
import type { Logger } from "@plug/wireguard";
import type { CommandRunner } from "./runner.js";

export function expandHook(hook: string, ifname: string): string {
  return hook.replaceAll("%i", ifname);
}

/** Runs the hooks in order; the first failure throws (wg-quick runs under `set -e`). */
export async function runHooks(hooks: readonly string[], ifname: string, run: CommandRunner, log: Logger): Promise<void> {
  for (const hook of hooks) {
    const command = expandHook(hook, ifname);
    log.info(`[#] ${command}`);
    const { stdout, stderr } = await run("bash", ["-e", "-o", "pipefail", "-c", command]);
    for (const line of `${stdout}${stderr}`.split("\n")) if (line.trim() !== "") log.info(line);
  }
}
