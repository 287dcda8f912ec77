// What the set-up steps share: the interface, how to run commands, the log,
// the record of changes (for teardown) and access to the device's fwmark.
import type { Logger } from "@plug/wireguard";
import type { FirewallBackend } from "./firewall.js";
import { commandLine, type CommandRunner } from "./runner.js";
import type { AppliedState, IpFamilyFlag } from "./state.js";

/** The device's fwmark as full-tunnel routing needs it (0 = none). */
export interface FwmarkAccess {
  get(): number;
  set(mark: number): void;
}

export interface StepContext {
  readonly ifname: string;
  readonly run: CommandRunner;
  readonly log: Logger;
  readonly state: AppliedState;
  readonly fwmark: FwmarkAccess;
  /** Forces a packet-filter backend; default nft if installed, else iptables. */
  readonly firewall?: FirewallBackend;
}

export function familyFlag(family: 4 | 6): IpFamilyFlag {
  return family === 4 ? "-4" : "-6";
}

/** Runs `ip ARGS`, echoing it like wg-quick's `[#]` lines. */
export async function ip(ctx: StepContext, args: string[]): Promise<string> {
  ctx.log.info(`[#] ${commandLine("ip", args)}`);
  return (await ctx.run("ip", args)).stdout;
}

/** Runs a query whose failure just means "nothing there". */
export async function query(ctx: StepContext, file: string, args: string[]): Promise<string> {
  return ctx.run(file, args).then(
    (r) => r.stdout,
    () => "",
  );
}
