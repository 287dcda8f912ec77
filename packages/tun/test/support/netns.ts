// A network namespace of this test run's own (prefix "ptn" plus pid and a
// random suffix), so tests never touch the host's interfaces or anyone
// else's. Always torn down by the caller's after() hook.
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";

let counter = 0;

/** A unique interface/namespace name: "ptn" + pid + counter + random, at most 15 bytes. */
export function uniqueName(): string {
  counter++;
  return `ptn${process.pid.toString(36)}${counter.toString(36)}${randomBytes(2).toString("hex")}`.slice(0, 15);
}

export class Netns {
  readonly name = uniqueName();

  constructor() {
    execFileSync("ip", ["netns", "add", this.name]);
  }

  /** Runs a command inside the namespace; throws on failure. */
  exec(argv: readonly string[]): string {
    return execFileSync("ip", ["netns", "exec", this.name, ...argv], { encoding: "utf8" });
  }

  /** Like exec, but blocks the event loop for the whole run and ignores the exit status. */
  execBlocking(argv: readonly string[]): void {
    spawnSync("ip", ["netns", "exec", this.name, ...argv], { stdio: "ignore" });
  }

  ip(args: readonly string[]): string {
    return execFileSync("ip", ["-n", this.name, ...args], { encoding: "utf8" });
  }

  hasLink(ifname: string): boolean {
    return spawnSync("ip", ["-n", this.name, "link", "show", "dev", ifname], { stdio: "ignore" }).status === 0;
  }

  /** Moves an interface of the test process's namespace into this one and gives it an address. */
  adopt(ifname: string, cidr: string): void {
    execFileSync("ip", ["link", "set", "dev", ifname, "netns", this.name]);
    this.ip(["addr", "add", cidr, "dev", ifname]);
    this.ip(["link", "set", "dev", ifname, "up"]);
  }

  destroy(): void {
    spawnSync("ip", ["netns", "del", this.name], { stdio: "ignore" });
  }
}

/** Resolves once predicate() holds; the test's own timeout is what fails a hang. */
export async function waitFor(predicate: () => boolean): Promise<void> {
  while (!predicate()) await new Promise((resolve) => setTimeout(resolve, 10));
}
