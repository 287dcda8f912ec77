// plugd's command line: wireguard-go's `[-f|--foreground] INTERFACE-NAME`
// (WIREGUARD.md §9.1, so wg-quick can start it through
// WG_QUICK_USERSPACE_IMPLEMENTATION) plus --config and the wg-style key
// subcommands. Pure: argv and environment in, a command out.

export type KeyCommandName = "genkey" | "pubkey" | "genpsk";

export type Command =
  | { readonly kind: "help" }
  | { readonly kind: "version" }
  | { readonly kind: "key"; readonly name: KeyCommandName }
  | { readonly kind: "status"; readonly ifname: string | null; readonly json: boolean }
  | { readonly kind: "netcheck"; readonly ifname: string | null; readonly json: boolean }
  | { readonly kind: "ping"; readonly ifname: string | null; readonly peer: string; readonly json: boolean; readonly timeoutMs: number }
  | {
      readonly kind: "run";
      readonly ifname: string;
      readonly foreground: boolean;
      /** Explicit --config; null means the default path if it exists. */
      readonly configPath: string | null;
    };

export class UsageError extends Error {}

const KEY_COMMANDS: readonly string[] = ["genkey", "pubkey", "genpsk"];

const WG_KEY = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;

/** `status|netcheck [IFNAME] [--json]`, `ping [IFNAME] PEER [--json] [--timeout S]`. */
function parseControlCommand(name: "status" | "netcheck" | "ping", rest: readonly string[]): Command {
  let json = false;
  let timeoutMs = 10_000;
  const positional: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i] ?? "";
    if (a === "--json") json = true;
    else if (a === "--timeout" && name === "ping") {
      const v = Number(rest[++i]);
      if (!Number.isFinite(v) || v <= 0) throw new UsageError("--timeout needs a positive number of seconds");
      timeoutMs = v * 1000;
    } else if (a.startsWith("-")) throw new UsageError(`${name}: unknown option ${a}`);
    else positional.push(a);
  }
  if (name !== "ping") {
    if (positional.length > 1) throw new UsageError(`${name} takes at most one interface name`);
    return { kind: name, ifname: positional[0] ?? null, json };
  }
  const peer = positional.pop();
  if (peer === undefined || !WG_KEY.test(peer)) throw new UsageError("ping needs the peer's public key (base64)");
  if (positional.length > 1) throw new UsageError("ping takes at most one interface name before the peer");
  return { kind: "ping", ifname: positional[0] ?? null, peer, json, timeoutMs };
}

export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv): Command {
  const first = argv[0];
  if (first !== undefined && KEY_COMMANDS.includes(first)) {
    if (argv.length > 1) throw new UsageError(`${first} takes no arguments`);
    return { kind: "key", name: first as KeyCommandName };
  }
  if (first === "status" || first === "netcheck" || first === "ping") return parseControlCommand(first, argv.slice(1));
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
