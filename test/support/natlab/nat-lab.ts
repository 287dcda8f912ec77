// The NAT lab: an "internet" namespace with coordd on two public addresses, and sites behind
// routers of each NAT kind, built on test/support/netns.ts's Lab (which owns every namespace,
// process and file and removes them on close, on exit and on SIGINT/SIGTERM).
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Lab, type Netns, requirePrerequisites, run } from "../netns.js";
import { COORD_ALTERNATE, COORD_PRIMARY, INTERNET6_GATEWAY, INTERNET6_PREFIX_LEN, INTERNET_PREFIX_LEN, MAX_SITES, siteAddressing } from "./addressing.js";
import { NsAgent } from "./agent/ns-agent.js";
import { Capture, type CaptureOptions } from "./capture.js";
import { COORDD_BIN, Coordinator, type CoordinatorInfo, type CoordinatorPorts, DEFAULT_COORDINATOR_PORTS } from "./coordinator.js";
import { Host } from "./host.js";
import { startMiniupnpd } from "./miniupnpd.js";
import { routerRules } from "./router-rules.js";
import { Site, type SiteOptions } from "./site.js";

export interface NatLabOptions {
  readonly coordinatorPorts?: Partial<CoordinatorPorts>;
  /** pino level for coordd (default "info", or "debug" with PLUG_E2E_LOG_LEVEL=verbose). */
  readonly coorddLogLevel?: string;
}

/** Tools the lab runs; a missing one fails the test (never a skip). */
export const NATLAB_TOOLS = ["nft", "ss", "tcpdump", "miniupnpd", "stun", "upnpc", "natpmpc", "curl"] as const;

const NAME = /^[a-z][a-z0-9-]{0,15}$/;

export class NatLab {
  private readonly sitesByName = new Map<string, Site>();
  private readonly hostsByName = new Map<string, Host>();
  private readonly agents = new Map<string, NsAgent>();
  private nextSite = 1;
  private nextHost = 1;
  private closed = false;

  private constructor(
    /** The e2e Lab underneath: spawn daemons, start WireGuard interfaces, generate keys. */
    readonly lab: Lab,
    /** The internet namespace: coordd, and the bridge every router's WAN joins. */
    readonly internet: Netns,
    /** The internet bridge (inside `internet`): capture here to see all coordd sees. */
    readonly internetIf: string,
    private readonly coord: Coordinator,
  ) {}

  static async create(opts: NatLabOptions = {}): Promise<NatLab> {
    requirePrerequisites([], NATLAB_TOOLS);
    if (!existsSync(COORDD_BIN)) throw new Error(`natlab: ${COORDD_BIN} missing (run npx tsc -b)`);
    const lab = await Lab.create();
    try {
      const inet = await lab.netns("inet");
      await sysctls(inet);
      const br = lab.ifname("inet");
      await inet.addBridge(br);
      await inet.linkUp(br);
      await inet.addAddress(br, `${COORD_PRIMARY}/${INTERNET_PREFIX_LEN}`);
      await inet.addAddress(br, `${COORD_ALTERNATE}/32`);
      await inet.addAddress(br, `${INTERNET6_GATEWAY}/${INTERNET6_PREFIX_LEN}`);
      const ports = { ...DEFAULT_COORDINATOR_PORTS, ...opts.coordinatorPorts };
      const level = opts.coorddLogLevel ?? (process.env.PLUG_E2E_LOG_LEVEL === "verbose" ? "debug" : "info");
      const coord = new Coordinator(lab, inet, ports, join(lab.dir, "coordd.key"), level);
      const natlab = new NatLab(lab, inet, br, coord);
      lab.defer(() => natlab.closeAgents());
      await coord.start();
      return natlab;
    } catch (e) {
      await lab.close();
      throw e;
    }
  }

  /** The lab's unique prefix: every namespace is `${id}-…`, every interface `${id}…`. */
  get id(): string {
    return this.lab.id;
  }

  get coordinator(): CoordinatorInfo {
    return this.coord.current;
  }

  /** coordd's process (output for diagnostics). */
  get coordd(): Coordinator {
    return this.coord;
  }

  get sites(): Site[] {
    return [...this.sitesByName.values()];
  }

  get hosts(): Host[] {
    return [...this.hostsByName.values()];
  }

  site(name: string): Site {
    const s = this.sitesByName.get(name);
    if (s === undefined) throw new Error(`natlab: no site ${name}`);
    return s;
  }

  host(name: string): Host {
    const h = this.hostsByName.get(name);
    if (h === undefined) throw new Error(`natlab: no host ${name}`);
    return h;
  }

  async addSite(name: string, opts: SiteOptions): Promise<Site> {
    if (!NAME.test(name) || this.sitesByName.has(name)) throw new Error(`natlab: bad or duplicate site name "${name}"`);
    if (this.nextSite > MAX_SITES) throw new Error(`natlab: at most ${MAX_SITES} sites`);
    if (opts.upnp && opts.nat === "none") throw new Error("natlab: miniupnpd needs a NAT router (nat other than none)");
    if (opts.hairpin && opts.nat !== "eim" && opts.nat !== "fullcone") throw new Error(`natlab: hairpin is only built for eim and fullcone routers, not ${opts.nat}`);
    const index = this.nextSite++;
    const addressing = siteAddressing(index, opts.nat === "none");
    const router = await this.lab.netns(`r-${name}`);
    // Before any interface exists, so every interface inherits the router defaults.
    await sysctls(router);
    const wan = await this.lab.veth(this.internet, router, { a: `s${index}i`, b: `s${index}w` });
    await this.internet.ip(["link", "set", wan.a, "master", this.internetIf]);
    await router.addAddress(wan.b, `${addressing.wan}/${INTERNET_PREFIX_LEN}`);
    await router.ip(["route", "add", "default", "via", COORD_PRIMARY]);
    const lanIf = this.lab.ifname(`s${index}l`);
    await router.addBridge(lanIf);
    await router.linkUp(lanIf);
    await router.addAddress(lanIf, `${addressing.gateway}/${addressing.lanPrefixLen}`);
    if (addressing.publicLan) await this.internet.ip(["route", "add", addressing.lanCidr, "via", addressing.wan]);
    if (opts.ipv6) {
      await router.addAddress(wan.b, `${addressing.wan6}/${INTERNET6_PREFIX_LEN}`);
      await router.ip(["-6", "route", "add", "default", "via", INTERNET6_GATEWAY]);
      await router.addAddress(lanIf, `${addressing.gateway6}/64`);
      await this.internet.ip(["-6", "route", "add", addressing.lan6Cidr, "via", addressing.wan6]);
    }
    const ruleset = routerRules({ nat: opts.nat, upnp: opts.upnp ?? false, hairpin: opts.hairpin ?? false, wanIf: wan.b, lanIf, addressing });
    const rulesFile = join(this.lab.dir, `router-${name}.nft`);
    writeFileSync(rulesFile, ruleset);
    await router.exec("nft", ["-f", rulesFile]);
    const miniupnpd = opts.upnp
      ? await startMiniupnpd(this.lab, router, {
          wanIf: wan.b,
          lanIf,
          lanCidr: addressing.lanCidr,
          stunHost: this.coordinator.host,
          stunPort: this.coordinator.udpPort,
          dir: this.lab.dir,
          tag: name,
        })
      : undefined;
    const site = new Site(this.siteOwner, name, index, opts.nat, router, addressing, wan.b, lanIf, opts.hairpin ?? false, opts.ipv6 ?? false, ruleset, miniupnpd);
    this.sitesByName.set(name, site);
    return site;
  }

  private readonly siteOwner = {
    addHost: (name: string, site: Site): Promise<Host> => this.addHost(name, site),
    hostsOn: (site: Site): Host[] => this.hosts.filter((h) => h.siteIfJoined === site),
  };

  private async addHost(name: string, site: Site): Promise<Host> {
    if (!NAME.test(name) || this.hostsByName.has(name)) throw new Error(`natlab: bad or duplicate host name "${name}"`);
    if (this.sitesByName.get(site.name) !== site) throw new Error(`natlab: site ${site.name} is not this lab's`);
    const index = this.nextHost++;
    const ns = await this.lab.netns(`h-${name}`);
    const host = new Host(name, index, ns, (h, s) => this.attach(h, s));
    this.hostsByName.set(name, host);
    await host.moveTo(site);
    return host;
  }

  /** A veth from the host into the site's LAN bridge; returns the host-side name. */
  private async attach(host: Host, site: Site): Promise<string> {
    const link = await this.lab.veth(host.ns, site.routerNs, { a: `h${host.index}s${site.index}`, b: `s${site.index}h${host.index}` });
    await site.routerNs.ip(["link", "set", link.b, "master", site.lanIf]);
    return link.a;
  }

  /** Stops coordd (SIGTERM) and starts it again with the same key, addresses and ports. */
  restartCoordinator(): Promise<CoordinatorInfo> {
    return this.coord.restart();
  }

  /**
   * Starts tcpdump in `ns` (default: the internet bridge, i.e. everything coordd sends and
   * receives). `await capture.stop()` returns the pcap bytes and its UDP datagrams.
   */
  capture(ns: Netns = this.internet, opts: Partial<CaptureOptions> = {}): Promise<Capture> {
    const iface = opts.iface ?? (ns === this.internet ? this.internetIf : "any");
    return Capture.start(this.lab, ns, { iface, ...(opts.filter ? { filter: opts.filter } : {}) });
  }

  /**
   * The UDP/STUN agent (agent/agent-main.ts) of a host's or any lab namespace: one process per
   * namespace, shared by every caller (sockets are separate handles); ended at close.
   */
  agent(where: Host | Netns): NsAgent {
    const ns = where instanceof Host ? where.ns : where;
    let a = this.agents.get(ns.name);
    if (a === undefined || !a.running) {
      a = new NsAgent(ns);
      this.agents.set(ns.name, a);
    }
    return a;
  }

  /** `curl` inside `ns` (TCP reachability, e.g. coordd's /healthz from a UDP-blocked site). */
  async httpGet(ns: Netns, url: string, timeoutS = 5): Promise<{ ok: boolean; body: string; code: number }> {
    const r = await ns.exec("curl", ["-sS", "--fail", "--max-time", String(timeoutS), url], { allowFailure: true });
    return { ok: r.code === 0, body: r.stdout, code: r.code };
  }

  /** Every lab namespace's name (the internet, each router, each host). */
  namespaceNames(): string[] {
    return this.lab.namespaces.map((n) => n.name);
  }

  /** Pids of every process running in any lab namespace (daemons, agents, captures, plugd...). */
  async processes(): Promise<number[]> {
    const out = await Promise.all(this.lab.namespaces.map((n) => run("ip", ["netns", "pids", n.name], { allowFailure: true })));
    return out.flatMap((r) => r.stdout.split("\n").filter((l) => l.trim() !== "").map(Number));
  }

  /** Recent output of coordd, miniupnpd and anything else spawned, for failure messages. */
  logs(): string {
    return this.lab.daemonLogs();
  }

  private async closeAgents(): Promise<void> {
    await Promise.all([...this.agents.values()].map((a) => a.close()));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.lab.close();
  }
}

/** Forwarding on (both families), no ICMP redirects (a hairpinned or inter-router packet leaves by the interface
 * it came in on, and a redirect would teach the sender a path that bypasses NAT), and bridged
 * frames kept away from the IP hooks so a LAN's host-to-host traffic never meets the router's
 * forward policy (br_netfilter is loaded on this machine and defaults to on in new namespaces). */
async function sysctls(ns: Netns): Promise<void> {
  await ns.exec("sysctl", ["-qw", "net.ipv4.ip_forward=1", "net.ipv4.conf.all.send_redirects=0", "net.ipv4.conf.default.send_redirects=0", "net.ipv6.conf.all.forwarding=1"]);
  await ns.exec("sysctl", ["-qw", "net.bridge.bridge-nf-call-iptables=0", "net.bridge.bridge-nf-call-ip6tables=0"], { allowFailure: true });
}

