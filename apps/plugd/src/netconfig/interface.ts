// Bringing the interface's network side up and down around the device, as
// wg-quick does (TOOLS src/wg-quick/linux.bash cmd_up / cmd_down):
//   up:   PreUp, addresses, MTU + link up, DNS, routes (longest prefix first,
//         full-tunnel policy routing for /0), PostUp. A failure undoes what
//         was done so far (wg-quick's `trap del_if`) and rethrows.
//   down: PreDown, SaveConfig, DNS, nftables, rules, routes, addresses, PostDown. Best
//         effort: every step runs even if an earlier one failed, because the
//         device may already be gone.
// Creating the TUN device, `wg setconf`, and the fwmark on the UDP socket are
// the daemon's. Full-tunnel mode needs that fwmark before the /0 route exists;
// pass the DeviceControl (setUpInterfaceWithDevice) and it is set at the right
// moment, or read fullTunnelMark() afterwards.
import { formatIp, type DeviceControl, type Logger } from "@plug/wireguard";
import type { PlugConfig } from "../config/index.js";
import { familyFlag, ip, type FwmarkAccess, type StepContext } from "./context.js";
import { setDns, unsetDns, resolvconfPrefix } from "./dns.js";
import { chooseBackend, iptablesComment, nftTableName, removeFirewall, type FirewallBackend } from "./firewall.js";
import { runHooks } from "./hooks.js";
import { saveLiveConfig } from "./save-config.js";
import { automaticMtu } from "./mtu.js";
import { addRoute, routePrefixes } from "./routes.js";
import { commandExists, commandLine, execRunner, type CommandRunner } from "./runner.js";
import { emptyState, peekState, rememberState, takeState, type AppliedState } from "./state.js";

export interface NetConfigOptions {
  /** Lets full-tunnel mode read and set the device's fwmark, and the MTU logic see resolved endpoints. */
  control?: DeviceControl;
  /** How commands run; default: execFile in this process's namespaces. */
  run?: CommandRunner;
  /** Packet-filter backend for full-tunnel mode; default nft when installed, else iptables (as wg-quick). */
  firewall?: FirewallBackend;
}

function fwmarkAccess(ctx: { ifname: string; log: Logger }, cfg: PlugConfig, control?: DeviceControl): FwmarkAccess {
  if (control) return { get: () => control.snapshot().fwmark, set: (m) => control.setFwmark(m) };
  let mark = cfg.iface.fwmark ?? 0;
  return {
    get: () => mark,
    set: (m) => {
      mark = m;
      ctx.log.error(`full-tunnel routing on ${ctx.ifname} needs fwmark ${m} on the device; nothing set it (no DeviceControl given)`);
    },
  };
}

/** Numeric endpoint addresses as wg-quick reads them from `wg show endpoints` (no zone). */
function endpointAddresses(cfg: PlugConfig, control?: DeviceControl): string[] {
  const hosts = control
    ? control.snapshot().peers.flatMap((p) => (p.endpoint ? [p.endpoint.address] : []))
    : cfg.peers.flatMap((p) => (p.endpoint ? [p.endpoint.host] : []));
  return hosts.filter((h) => /^[0-9a-fA-F:.]+$/.test(h) && /[.:]/.test(h));
}

/**
 * wg-quick's interface name rule. Enforced here because the name is expanded
 * into bash hooks (%i), where anything else could be shell syntax.
 */
export function checkInterfaceName(ifname: string): void {
  if (!/^[a-zA-Z0-9_=+.-]{1,15}$/.test(ifname)) throw new Error(`invalid interface name ${JSON.stringify(ifname)}`);
}

function addressText(a: { address: Uint8Array; cidr: number }): string {
  return `${formatIp(a.address)}/${a.cidr}`;
}

export async function setUpInterface(ifname: string, cfg: PlugConfig, log: Logger, options: NetConfigOptions = {}): Promise<void> {
  checkInterfaceName(ifname);
  const run = options.run ?? execRunner;
  const state = emptyState();
  const ctx: StepContext = {
    ifname,
    run,
    log,
    state,
    fwmark: fwmarkAccess({ ifname, log }, cfg, options.control),
    ...(options.firewall ? { firewall: options.firewall } : {}),
  };
  try {
    await runHooks(cfg.iface.preUp, ifname, run, log);
    for (const a of cfg.iface.addresses) {
      const family = familyFlag(a.family);
      await ip(ctx, [family, "address", "add", addressText(a), "dev", ifname]);
      state.addresses.push({ family, address: addressText(a) });
    }
    const mtu = cfg.iface.mtu ?? (await automaticMtu(endpointAddresses(cfg, options.control), run));
    await ip(ctx, ["link", "set", "mtu", String(mtu), "up", "dev", ifname]);
    state.dnsRecord = await setDns(ifname, cfg.iface.dns, cfg.iface.dnsSearch, run, log);
    for (const prefix of routePrefixes(cfg)) await addRoute(ctx, prefix, cfg.iface.table);
    await runHooks(cfg.iface.postUp, ifname, run, log);
  } catch (err) {
    log.error(`setting up ${ifname} failed, undoing: ${err instanceof Error ? err.message : String(err)}`);
    await undo(ctx.ifname, state, run, log);
    throw err;
  }
  rememberState(ifname, state);
}

/** setUpInterface with the device at hand, so full-tunnel mode sets the fwmark itself. */
export async function setUpInterfaceWithDevice(
  ifname: string,
  cfg: PlugConfig,
  log: Logger,
  control: DeviceControl,
  run?: CommandRunner,
): Promise<void> {
  await setUpInterface(ifname, cfg, log, run ? { control, run } : { control });
}

/** The fwmark full-tunnel routing on `ifname` relies on, or null when it is not in use. */
export function fullTunnelMark(ifname: string): number | null {
  return peekState(ifname)?.mark ?? null;
}

async function attempt(log: Logger, what: string, step: () => Promise<unknown>, quiet = false): Promise<void> {
  try {
    await step();
  } catch (err) {
    const message = `${what}: ${err instanceof Error ? err.message : String(err)}`;
    if (quiet) log.verbose(message);
    else log.error(message);
  }
}

async function undo(ifname: string, state: AppliedState, run: CommandRunner, log: Logger): Promise<void> {
  const exec = async (file: string, args: string[]): Promise<void> => {
    log.info(`[#] ${commandLine(file, args)}`);
    await run(file, args);
  };
  if (state.dnsRecord !== null) {
    const record = state.dnsRecord;
    await attempt(log, "removing DNS", () => unsetDns(record, run, log));
  }
  for (const f of [...state.firewall].reverse()) await attempt(log, "removing packet-filter rules", () => removeFirewall(f, run, log));
  for (const r of [...state.rules].reverse()) await attempt(log, "removing a routing rule", () => exec("ip", [r.family, "rule", "delete", ...r.selector]));
  // Routes and addresses vanish with the device; failures here usually mean it is already gone.
  for (const r of [...state.routes].reverse()) {
    const args = [r.family, "route", "delete", r.prefix, "dev", ifname, ...(r.table ? ["table", r.table] : [])];
    await attempt(log, "removing a route", () => exec("ip", args), true);
  }
  for (const a of [...state.addresses].reverse()) {
    await attempt(log, "removing an address", () => exec("ip", [a.family, "address", "delete", a.address, "dev", ifname]), true);
  }
}

/** What set-up would have done, for a teardown this process did not set up (e.g. after a restart). */
async function derivedState(ifname: string, cfg: PlugConfig, options: NetConfigOptions): Promise<AppliedState> {
  const control = options.control;
  const backend = chooseBackend(options.firewall);
  const state = emptyState();
  state.addresses = cfg.iface.addresses.map((a) => ({ family: familyFlag(a.family), address: addressText(a) }));
  const table = cfg.iface.table;
  const mark = control?.snapshot().fwmark || cfg.iface.fwmark || 0;
  if (table !== "off") {
    for (const p of routePrefixes(cfg)) {
      const family = familyFlag(p.family);
      const prefix = `${formatIp(p.bytes)}/${p.cidr}`;
      if (table !== undefined && table !== "auto") state.routes.push({ family, prefix, table: String(table) });
      else if (p.cidr !== 0) state.routes.push({ family, prefix });
      else if (mark !== 0) {
        state.mark = mark;
        state.routes.push({ family, prefix, table: String(mark) });
        state.rules.push({ family, selector: ["not", "fwmark", String(mark), "table", String(mark)] });
        state.rules.push({ family, selector: ["table", "main", "suppress_prefixlength", "0"] });
        if (backend === "nft") state.firewall.push({ backend, pf: p.family === 4 ? "ip" : "ip6", table: nftTableName(ifname) });
        if (backend === "iptables") state.firewall.push({ backend, tool: p.family === 4 ? "iptables" : "ip6tables", comment: iptablesComment(ifname) });
      }
    }
  }
  if (cfg.iface.dns.length > 0 && commandExists("resolvconf")) state.dnsRecord = `${await resolvconfPrefix()}${ifname}`;
  return state;
}

export async function tearDownInterface(ifname: string, cfg: PlugConfig, log: Logger, options: NetConfigOptions = {}): Promise<void> {
  checkInterfaceName(ifname);
  const run = options.run ?? execRunner;
  const state = takeState(ifname) ?? (await derivedState(ifname, cfg, options));
  await attempt(log, "PreDown", () => runHooks(cfg.iface.preDown, ifname, run, log));
  if (cfg.iface.saveConfig) {
    await attempt(log, `SaveConfig (${cfg.path} not rewritten)`, () => saveLiveConfig(ifname, cfg, run, options.control));
  }
  await undo(ifname, state, run, log);
  await attempt(log, "PostDown", () => runHooks(cfg.iface.postDown, ifname, run, log));
}
