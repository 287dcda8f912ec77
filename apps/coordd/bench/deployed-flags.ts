// The node flags coordd is deployed with. infra/coordd.Dockerfile's ENTRYPOINT is the one place they
// are written down for the benchmark: it measures coordd as shipped, and the deployment test holds
// the systemd unit's NODE_OPTIONS to the same flags.

/** The `--` flags between `node` and the script in the Dockerfile's exec-form ENTRYPOINT. */
export function dockerfileNodeFlags(dockerfile: string): string[] {
  const line = dockerfile.split("\n").filter((l) => l.startsWith("ENTRYPOINT ")).at(-1);
  if (line === undefined) throw new Error("infra/coordd.Dockerfile: no ENTRYPOINT");
  let argv: unknown;
  try {
    argv = JSON.parse(line.slice("ENTRYPOINT ".length));
  } catch {
    argv = undefined; // shell form: node would run under /bin/sh and not receive SIGTERM itself
  }
  if (!Array.isArray(argv) || argv[0] !== "node" || !argv.every((a): a is string => typeof a === "string")) {
    throw new Error(`infra/coordd.Dockerfile: ENTRYPOINT is not an exec-form node command line: ${line}`);
  }
  return argv.slice(1).filter((a) => a.startsWith("--"));
}

/** The flags in a systemd unit's `Environment=NODE_OPTIONS=...` line (none if it has no such line). */
export function systemdNodeOptions(unit: string): string[] {
  const line = unit.split("\n").find((l) => l.startsWith("Environment=NODE_OPTIONS="));
  if (line === undefined) return [];
  return line.slice("Environment=NODE_OPTIONS=".length).replace(/^"|"$/g, "").split(" ").filter((a) => a !== "");
}
