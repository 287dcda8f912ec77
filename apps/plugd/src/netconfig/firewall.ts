// The packet-filter half of full-tunnel mode (wg-quick add_default /
// remove_firewall), with wg-quick's two backends: nftables when `nft` is
// installed, else iptables-restore. Two rules sets per address family:
//   - drop packets for our tunnel addresses that arrive on another interface
//     from a non-local source (someone on the LAN spoofing into the tunnel);
//   - save the fwmark of our UDP packets into conntrack and restore it on the
//     replies, so replies to the tunnel's own traffic also bypass the tunnel.
import type { StepContext } from "./context.js";
import { commandExists, commandLine, type CommandRunner } from "./runner.js";
import type { Logger } from "@plug/wireguard";

export type FirewallBackend = "nft" | "iptables";

export type FirewallRecord =
  | { readonly backend: "nft"; readonly pf: "ip" | "ip6"; readonly table: string }
  | { readonly backend: "iptables"; readonly tool: "iptables" | "ip6tables"; readonly comment: string };

export function nftTableName(ifname: string): string {
  return `plugd-${ifname}`;
}

/** The comment that tags our iptables rules, so removal finds exactly them. */
export function iptablesComment(ifname: string): string {
  return `plugd rule for ${ifname}`;
}

export function nftScript(ifname: string, pf: "ip" | "ip6", addresses: readonly string[], mark: number): string {
  const t = nftTableName(ifname);
  let s = `add table ${pf} ${t}\n`;
  s += `add chain ${pf} ${t} preraw { type filter hook prerouting priority -300; }\n`;
  s += `add chain ${pf} ${t} premangle { type filter hook prerouting priority -150; }\n`;
  s += `add chain ${pf} ${t} postmangle { type filter hook postrouting priority -150; }\n`;
  for (const a of addresses) s += `add rule ${pf} ${t} preraw iifname != "${ifname}" ${pf} daddr ${a} fib saddr type != local drop\n`;
  s += `add rule ${pf} ${t} postmangle meta l4proto udp mark ${mark} ct mark set mark\n`;
  s += `add rule ${pf} ${t} premangle meta l4proto udp meta mark set ct mark\n`;
  return s;
}

export function iptablesRestoreScript(ifname: string, addresses: readonly string[], mark: number): string {
  const tag = `-m comment --comment "${iptablesComment(ifname)}"`;
  let s = "*raw\n";
  for (const a of addresses) s += `-I PREROUTING ! -i ${ifname} -d ${a} -m addrtype ! --src-type LOCAL -j DROP ${tag}\n`;
  s += "COMMIT\n*mangle\n";
  s += `-I POSTROUTING -m mark --mark ${mark} -p udp -j CONNMARK --save-mark ${tag}\n`;
  s += `-I PREROUTING -p udp -j CONNMARK --restore-mark ${tag}\n`;
  s += "COMMIT\n";
  return s;
}

export function chooseBackend(preferred?: FirewallBackend): FirewallBackend | null {
  if (preferred !== undefined) return preferred;
  if (commandExists("nft")) return "nft";
  if (commandExists("iptables-restore")) return "iptables";
  return null;
}

export async function addFirewall(
  ctx: StepContext,
  family: 4 | 6,
  addresses: readonly string[],
  mark: number,
  preferred?: FirewallBackend,
): Promise<void> {
  const backend = chooseBackend(preferred);
  if (backend === null) {
    ctx.log.error("neither nft nor iptables-restore is installed: full-tunnel anti-spoofing and connmark rules were not added");
    return;
  }
  if (backend === "nft") {
    const pf = family === 4 ? "ip" : "ip6";
    ctx.log.info("[#] nft -f -");
    await ctx.run("nft", ["-f", "-"], nftScript(ctx.ifname, pf, addresses, mark));
    ctx.state.firewall.push({ backend, pf, table: nftTableName(ctx.ifname) });
  } else {
    const tool = family === 4 ? "iptables" : "ip6tables";
    ctx.log.info(`[#] ${tool}-restore -n`);
    await ctx.run(`${tool}-restore`, ["-n"], iptablesRestoreScript(ctx.ifname, addresses, mark));
    ctx.state.firewall.push({ backend, tool, comment: iptablesComment(ctx.ifname) });
  }
}

/** iptables-save output -> a restore script deleting our tagged rules, or null if there are none. */
export function iptablesRemovalScript(saved: string, comment: string): string | null {
  let script = "";
  let found = false;
  for (const line of saved.split("\n")) {
    if (line.startsWith("*") || line === "COMMIT") script += `${line}\n`;
    else if (line.startsWith("-A ") && line.includes(`-m comment --comment "${comment}"`)) {
      script += `${line.replace(/^-A/, "-D")}\n`;
      found = true;
    }
  }
  return found ? script : null;
}

export async function removeFirewall(record: FirewallRecord, run: CommandRunner, log: Logger): Promise<void> {
  if (record.backend === "nft") {
    const args = ["delete", "table", record.pf, record.table];
    const listed = await run("nft", ["list", "tables", record.pf]).then((r) => r.stdout, () => "");
    if (!listed.split("\n").some((l) => l.trim() === `table ${record.pf} ${record.table}`)) return;
    log.info(`[#] ${commandLine("nft", args)}`);
    await run("nft", args);
    return;
  }
  const saved = (await run(`${record.tool}-save`, [])).stdout;
  const script = iptablesRemovalScript(saved, record.comment);
  if (script === null) return;
  log.info(`[#] ${record.tool}-restore -n`);
  await run(`${record.tool}-restore`, ["-n"], script);
}
