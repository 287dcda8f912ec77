// plugd entry point: dispatches the key subcommands, --help/--version, and
// the daemon (background by default, like wireguard-go).
// Each command imports only what it runs: the daemon stays resident for the
// life of the interface, and every module it loads costs heap and code pages
// for as long (issue 3's idle RSS target); the other commands should not pay
// for loading the WireGuard device either.
import { parseArgs, UsageError } from "./cli/args.js";
import { usageLine } from "./cli/help.js";

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
      process.stdout.write((await import("./cli/help.js")).helpText());
      return 0;
    case "version":
      process.stdout.write((await import("./cli/help.js")).versionText());
      return 0;
    case "key":
      return (await import("./keys/index.js")).runKeyCommand(command.name, process.stdin, process.stdout);
    case "status":
      return (await import("./control/commands.js")).statusCommand({ ifname: command.ifname, json: command.json, out: process.stdout, err: process.stderr });
    case "netcheck":
      return (await import("./control/commands.js")).netcheckCommand({ ifname: command.ifname, json: command.json, out: process.stdout, err: process.stderr });
    case "ping":
      return (await import("./control/commands.js")).pingCommand({ ...command, out: process.stdout, err: process.stderr });
    case "run": {
      if (!command.foreground) {
        const { startInBackground } = await import("./daemon/background.js");
        return startInBackground({ argv, env: process.env, script: process.argv[1] ?? "" });
      }
      const [{ createLogger, parseLogLevel }, { runForeground }, { readinessFromEnv }] = await Promise.all([
        import("@plug/wireguard"),
        import("./daemon/foreground.js"),
        import("./daemon/readiness.js"),
      ]);
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
