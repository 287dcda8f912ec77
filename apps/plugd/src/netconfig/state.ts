// What setUpInterface changed on the system, so tearDownInterface removes
// exactly that (and a failed set-up can roll back). Kept per interface name
// for the life of the process.

import type { FirewallRecord } from "./firewall.js";

export type IpFamilyFlag = "-4" | "-6";

export interface AppliedRoute {
  readonly family: IpFamilyFlag;
  readonly prefix: string;
  /** Absent for the main table. */
  readonly table?: string;
}

export interface AppliedRule {
  readonly family: IpFamilyFlag;
  /** The selector as given to `ip rule add`, replayed with `ip rule delete`. */
  readonly selector: readonly string[];
}

export interface AppliedState {
  addresses: Array<{ family: IpFamilyFlag; address: string }>;
  routes: AppliedRoute[];
  rules: AppliedRule[];
  /** Packet-filter rules added for full-tunnel mode. */
  firewall: FirewallRecord[];
  /** The resolvconf record name, when DNS was set. */
  dnsRecord: string | null;
  /** The fwmark / table used for full-tunnel routing, when a /0 route was set up. */
  mark: number | null;
}

export function emptyState(): AppliedState {
  return { addresses: [], routes: [], rules: [], firewall: [], dnsRecord: null, mark: null };
}

const applied = new Map<string, AppliedState>();

export function rememberState(ifname: string, state: AppliedState): void {
  applied.set(ifname, state);
}

export function takeState(ifname: string): AppliedState | undefined {
  const s = applied.get(ifname);
  applied.delete(ifname);
  return s;
}

export function peekState(ifname: string): AppliedState | undefined {
  return applied.get(ifname);
}
