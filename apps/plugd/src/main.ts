// plugd entry point: dispatches the key subcommands, --help/--version, and
// the daemon (background by default, like wireguard-go).
import { createLogger, parseLogLevel } from "@plug/wireguard";
import { runKeyCommand } from "./keys/index.js";
import { helpText, parseArgs, UsageError, usageLine, versionText } from "./cli/index.js";
import { netcheckCommand, pingCommand, statusCommand } from "./control/commands.js";
import { readinessFromEnv, runForeground, startInBackground } from "./daemon/index.js";

async function main(argv: readonly string[]): Promise<number> {
  let command;
  try {
    command = parseArgs(argv, process.env);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`plugd: ${err.message}\n${usageLine()}Try 'plugd --help' for more information.\n`);
    return 1;
  }
  switch (command.kind) {
    case "help":
      process.stdout.write(helpText());
      return 0;
    case "version":
      process.stdout.write(versionText());
      return 0;
    case "key":
      return runKeyCommand(command.name, process.stdin, process.stdout);
    case "status":
      return statusCommand({ ifname: command.ifname, json: command.json, out: process.stdout, err: process.stderr });
    case "netcheck":
      return netcheckCommand({ ifname: command.ifname, json: command.json, out: process.stdout, err: process.stderr });
    case "ping":
      return pingCommand({ ...command, out: process.stdout, err: process.stderr });
    case "run": {
      if (!command.foreground) {
        return startInBackground({ argv, env: process.env, script: process.argv[1] ?? "" });
      }
      const log = createLogger(parseLogLevel(process.env.LOG_LEVEL, "error"), command.ifname);
      const tunFd = process.env.WG_TUN_FD;
      return runForeground({
        ifname: command.ifname,
        configPath: command.configPath,
        log,
        readiness: readinessFromEnv(process.env),
        ...(tunFd !== undefined && /^\d+$/.test(tunFd) ? { tunFd: Number(tunFd) } : {}),
      });
    }
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`plugd: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
