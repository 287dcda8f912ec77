// A three-namespace lab for the NAT tests: "wan" (the lab internet, TEST-NET
// 203.0.113.0/24, with coturn on two addresses for RFC 5780), "rtr" (a Linux
// NAT router with nftables masquerade and optionally the real miniupnpd) and
// "lan" (a host behind it, 192.168.77.2). Everything carries the pnt prefix
// plus a random suffix and is torn down by close(), also on process exit.
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const WAN_SERVER = "203.0.113.1";
export const WAN_SERVER_ALT = "203.0.113.2";
export const ROUTER_WAN = "203.0.113.10";
export const ROUTER_LAN = "192.168.77.1";
export const LAN_HOST = "192.168.77.2";

export interface LabOptions {
  readonly miniupnpd?: boolean;
  /** "masquerade fully-random" makes the router an endpoint-dependent (symmetric) NAT. */
  readonly fullyRandom?: boolean;
}

export class Lab {
  readonly id = `pnt${randomBytes(2).toString("hex")}`;
  readonly wan = `${this.id}w`;
  readonly rtr = `${this.id}r`;
  readonly lan = `${this.id}l`;
  /** Interface names: router's WAN side and LAN side. */
  readonly rtrWanIf = `${this.id}b`;
  readonly rtrLanIf = `${this.id}c`;
  readonly dir = mkdtempSync(join(tmpdir(), "pntlab-"));
  private readonly children: ChildProcess[] = [];
  private readonly logs = new Map<string, string>();
  private closed = false;
  private readonly onExit = (): void => this.close();

  constructor(private readonly options: LabOptions = {}) {}

  async start(): Promise<void> {
    process.once("exit", this.onExit);
    const { id, wan, rtr, lan } = this;
    for (const ns of [wan, rtr, lan]) sh("ip", ["netns", "add", ns]);
    sh("ip", ["link", "add", `${id}a`, "type", "veth", "peer", "name", `${id}b`]);
    sh("ip", ["link", "set", `${id}a`, "netns", wan]);
    sh("ip", ["link", "set", `${id}b`, "netns", rtr]);
    sh("ip", ["link", "add", `${id}c`, "type", "veth", "peer", "name", `${id}d`]);
    sh("ip", ["link", "set", `${id}c`, "netns", rtr]);
    sh("ip", ["link", "set", `${id}d`, "netns", lan]);
    this.ip(wan, "addr", "add", `${WAN_SERVER}/24`, "dev", `${id}a`);
    this.ip(wan, "addr", "add", `${WAN_SERVER_ALT}/24`, "dev", `${id}a`);
    this.ip(rtr, "addr", "add", `${ROUTER_WAN}/24`, "dev", `${id}b`);
    this.ip(rtr, "addr", "add", `${ROUTER_LAN}/24`, "dev", `${id}c`);
    this.ip(lan, "addr", "add", `${LAN_HOST}/24`, "dev", `${id}d`);
    for (const ns of [wan, rtr, lan]) this.ip(ns, "link", "set", "lo", "up");
    this.ip(wan, "link", "set", `${id}a`, "up");
    this.ip(rtr, "link", "set", `${id}b`, "up");
    this.ip(rtr, "link", "set", `${id}c`, "up");
    this.ip(lan, "link", "set", `${id}d`, "up");
    this.ip(lan, "route", "add", "default", "via", ROUTER_LAN);
    this.ip(rtr, "route", "add", "default", "via", WAN_SERVER);
    this.exec(rtr, "sysctl", "-qw", "net.ipv4.ip_forward=1");
    // miniupnpd does not create its chains: we do, in one table, and name them in its config.
    // Unsolicited WAN input is dropped unless miniupnpd accepted it (see DESIGN lab facts).
    const nft = `table inet ${id} {
  chain forward {
    type filter hook forward priority 0; policy drop;
    ct state established,related accept
    iifname "${this.rtrLanIf}" oifname "${this.rtrWanIf}" accept
    jump miniupnpd
  }
  chain miniupnpd {
  }
  chain prerouting {
    type nat hook prerouting priority -100; policy accept;
    jump prerouting_miniupnpd
  }
  chain postrouting {
    type nat hook postrouting priority 100; policy accept;
    jump postrouting_miniupnpd
    oifname "${this.rtrWanIf}" masquerade${this.options.fullyRandom ? " fully-random" : ""}
  }
  chain prerouting_miniupnpd {
  }
  chain postrouting_miniupnpd {
  }
}
`;
    const nftFile = join(this.dir, "router.nft");
    writeFileSync(nftFile, nft);
    this.exec(rtr, "nft", "-f", nftFile);
    await this.startCoturn();
    if (this.options.miniupnpd) await this.startMiniupnpd();
  }

  private async startCoturn(): Promise<void> {
    this.background("coturn", this.wan, "turnserver", [
      "-n", "-S", "--no-cli", "--no-auth", "-L", WAN_SERVER, "-L", WAN_SERVER_ALT, "--listening-port", "3478",
      "--log-file", "stdout", "--simple-log", "--pidfile", join(this.dir, "turn.pid"),
    ]);
    await this.waitFor("coturn listening on both addresses and ports", () => {
      const out = this.exec(this.wan, "ss", "-Hlun");
      return [`${WAN_SERVER}:3478`, `${WAN_SERVER}:3479`, `${WAN_SERVER_ALT}:3478`, `${WAN_SERVER_ALT}:3479`].every((a) => out.includes(a));
    });
  }

  private async startMiniupnpd(): Promise<void> {
    const conf = [
      `ext_ifname=${this.rtrWanIf}`,
      `listening_ip=${this.rtrLanIf}`,
      "http_port=0",
      "enable_natpmp=yes",
      "enable_upnp=yes",
      // TEST-NET is "reserved" to miniupnpd; with STUN it trusts the observed address.
      "ext_perform_stun=yes",
      `ext_stun_host=${WAN_SERVER}`,
      "ext_stun_port=3478",
      `upnp_table_name=${this.id}`,
      `upnp_nat_table_name=${this.id}`,
      "upnp_forward_chain=miniupnpd",
      "upnp_nat_chain=prerouting_miniupnpd",
      "upnp_nat_postrouting_chain=postrouting_miniupnpd",
      "secure_mode=yes",
      "system_uptime=no",
      "min_lifetime=10",
      "max_lifetime=86400",
      `uuid=${uuid()}`,
      "allow 1024-65535 192.168.77.0/24 1024-65535",
      "deny 0-65535 0.0.0.0/0 0-65535",
      "",
    ].join("\n");
    const confFile = join(this.dir, "miniupnpd.conf");
    writeFileSync(confFile, conf);
    this.background("miniupnpd", this.rtr, "miniupnpd", ["-d", "-f", confFile, "-P", join(this.dir, "miniupnpd.pid")]);
    await this.waitFor("miniupnpd ready", () => /Listening for NAT-PMP\/PCP/.test(this.log("miniupnpd")) && /HTTP listening on port/.test(this.log("miniupnpd")));
  }

  /** A gateway reboot: the daemon dies, its rules vanish, a new one starts with a fresh epoch. */
  async restartMiniupnpd(): Promise<void> {
    const old = this.children.find((c) => c.spawnargs.includes("miniupnpd") && c.exitCode === null);
    if (old?.pid !== undefined) {
      const exited = new Promise<void>((resolve) => old.once("exit", () => resolve()));
      process.kill(old.pid, "SIGKILL");
      await exited;
    }
    for (const chain of ["miniupnpd", "prerouting_miniupnpd", "postrouting_miniupnpd"]) this.exec(this.rtr, "nft", "flush", "chain", "inet", this.id, chain);
    await this.startMiniupnpd();
  }

  /** One UDP datagram from the lab internet (203.0.113.1) to the router's public address. */
  sendFromWan(port: number, text: string): void {
    const js = `const s=require("dgram").createSocket("udp4");s.bind(0,"${WAN_SERVER}",()=>s.send(${JSON.stringify(text)},${port},"${ROUTER_WAN}",()=>s.close()))`;
    this.exec(this.wan, process.execPath, "-e", js);
  }

  log(name: string): string {
    return this.logs.get(name) ?? "";
  }

  ip(ns: string, ...args: string[]): string {
    return sh("ip", ["-n", ns, ...args]);
  }

  exec(ns: string, cmd: string, ...args: string[]): string {
    return sh("ip", ["netns", "exec", ns, cmd, ...args]);
  }

  /** Like exec, but returns stdout whatever the exit status (the `stun` client exits with its verdict). */
  execAnyStatus(ns: string, cmd: string, ...args: string[]): string {
    const r = spawnSync("ip", ["netns", "exec", ns, cmd, ...args], { encoding: "utf8", timeout: 60_000 });
    return r.stdout ?? "";
  }

  /** Starts a long-running process in a namespace; killed by close(). */
  background(name: string, ns: string, cmd: string, args: string[]): ChildProcess {
    const child = spawn("ip", ["netns", "exec", ns, cmd, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    this.logs.set(name, "");
    const append = (d: Buffer): void => void this.logs.set(name, (this.logs.get(name) ?? "") + d.toString());
    child.stdout?.on("data", append);
    child.stderr?.on("data", append);
    this.children.push(child);
    return child;
  }

  async waitFor(what: string, cond: () => boolean, timeoutMs = 15_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      if (cond()) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`lab: timed out waiting for ${what}`);
  }

  /** nftables ruleset of the router (for asserting miniupnpd's redirects). */
  routerRules(): string {
    return this.exec(this.rtr, "nft", "list", "table", "inet", this.id);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    process.removeListener("exit", this.onExit);
    for (const c of this.children) {
      if (c.exitCode === null && c.pid !== undefined) {
        try {
          process.kill(c.pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
    }
    for (const ns of [this.lan, this.rtr, this.wan]) {
      try {
        execFileSync("ip", ["netns", "del", ns], { stdio: "ignore" });
      } catch {
        // never created
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: "utf8", timeout: 20_000, stdio: ["ignore", "pipe", "pipe"] });
}

function uuid(): string {
  const h = randomBytes(16).toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
