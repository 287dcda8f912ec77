// plugd's command line: wireguard-go's `[-f|--foreground] INTERFACE-NAME`
// (WIREGUARD.md §9.1, so wg-quick can start it through
// WG_QUICK_USERSPACE_IMPLEMENTATION) plus --config and the wg-style key
// subcommands. Pure: argv and environment in, a command out.

export type KeyCommandName = "genkey" | "pubkey" | "genpsk";

export type Command =
  | { readonly kind: "help" }
  | { readonly kind: "version" }
  | { readonly kind: "key"; readonly name: KeyCommandName }
  | {
      readonly kind: "run";
      readonly ifname: string;
      readonly foreground: boolean;
      /** Explicit --config; null means the default path if it exists. */
      readonly configPath: string | null;
    };

export class UsageError extends Error {}

const KEY_COMMANDS: readonly string[] = ["genkey", "pubkey", "genpsk"];

export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv): Command {
  const first = argv[0];
  if (first !== undefined && KEY_COMMANDS.includes(first)) {
    if (argv.length > 1) throw new UsageError(`${first} takes no arguments`);
    return { kind: "key", name: first as KeyCommandName };
  }
  let foreground = env.WG_PROCESS_FOREGROUND === "1";
  let configPath: string | null = null;
  let ifname: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (arg === "-h" || arg === "--help" || arg === "help") return { kind: "help" };
    if (arg === "-v" || arg === "--version" || arg === "version") return { kind: "version" };
    if (arg === "-f" || arg === "--foreground") {
      foreground = true;
    } else if (arg === "--config" || arg === "-c") {
      const value = argv[++i];
      if (value === undefined || value === "") throw new UsageError(`${arg} needs a file name`);
      configPath = value;
    } else if (arg.startsWith("--config=")) {
      configPath = arg.slice("--config=".length);
      if (configPath === "") throw new UsageError("--config needs a file name");
    } else if (arg.startsWith("-") && arg !== "-") {
      throw new UsageError(`unknown option ${arg}`);
    } else if (ifname === null) {
      ifname = arg;
    } else {
      throw new UsageError(`unexpected argument ${arg}`);
    }
  }
  if (ifname === null) throw new UsageError("missing INTERFACE-NAME");
  return { kind: "run", ifname, foreground, configPath };
}
