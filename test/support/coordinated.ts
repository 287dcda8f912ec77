// plugd with coordination inside the NAT lab: a config file per host naming
// the lab's coordd, a daemon in the host's namespace, and its status over the
// control socket (`plugd status IFNAME --json`). Used by test/coordination.
import { readFileSync } from "node:fs";
import { PLUGD_BIN, run, sleep, waitForSocket, waitForUapiSocket, type Daemon, type KeyPair } from "./netns.js";
import type { Host, NatLab } from "./natlab/index.js";
import { CONTROL_DIR, controlRequest, controlSocketPath, type InterfaceStatus } from "@plug/plugd";

export interface PeerSpec {
  readonly keys: KeyPair;
  /** Tunnel address of that peer (a /32 allowed IP). */
  readonly tunnelAddress: string;
  readonly endpoint?: string;
}

export interface CoordinatedOptions {
  readonly tag: string;
  readonly keys: KeyPair;
  readonly tunnelAddress: string;
  readonly peers: readonly PeerSpec[];
  readonly portMapping?: "auto" | "upnp" | "natpmp" | "pcp" | "off";
  /** Leave out CoordinatorWebSocket (no fallback for UDP-blocked networks). */
  readonly noWebSocket?: boolean;
  readonly coordinator?: "lab" | "off";
  readonly listenPort?: number;
  /** MetricsListen = this (IP:port). */
  readonly metricsListen?: string;
}

export interface PeerStatusJson {
  readonly publicKey: string;
  readonly path: string;
  readonly reason?: string;
  readonly endpoint: string | null;
  readonly rttMs: number | null;
  readonly verifiedPaths: readonly { endpoint: string; kind: string; rttMs: number }[];
}

export interface StatusJson {
  readonly interface: string;
  readonly listenPort: number;
  readonly coordinator: { readonly transport: string; readonly reachable: boolean; readonly observed: string | null } | null;
  readonly nat: { readonly mapping: string; readonly filtering: string; readonly noNat: boolean; readonly publicEndpoint: string | null } | null;
  readonly portMapping: { readonly method: string | null; readonly external: string | null; readonly error: string | null };
  readonly peers: readonly PeerStatusJson[];
}

export class CoordinatedPlugd {
  private constructor(
    readonly ifname: string,
    readonly host: Host,
    readonly daemon: Daemon,
    readonly keys: KeyPair,
    readonly configFile: string,
    /** Unix ms just before the process was spawned. */
    readonly startedAt: number,
    /** Unix ms when its UAPI socket appeared (the interface exists). */
    readonly readyAt: number,
    /** Resolves once plugd's control socket accepts connections (plugd set up completely). */
    private readonly controlReady: Promise<void>,
  ) {}

  static configText(lab: NatLab, o: CoordinatedOptions, privateKey: string): string {
    const c = lab.coordinator;
    const lines = ["[Interface]", `PrivateKey = ${privateKey}`, `Address = ${o.tunnelAddress}/24`];
    if (o.listenPort !== undefined) lines.push(`ListenPort = ${o.listenPort}`);
    if (o.coordinator === "off") lines.push("Coordinator = off");
    else {
      lines.push(`Coordinator = ${c.host}:${c.udpPort}`, `CoordinatorKey = ${c.publicKeyBase64}`);
      if (o.noWebSocket !== true) lines.push(`CoordinatorWebSocket = ${c.wsUrl}`);
    }
    lines.push(`PortMapping = ${o.portMapping ?? "off"}`);
    if (o.metricsListen !== undefined) lines.push(`MetricsListen = ${o.metricsListen}`);
    for (const p of o.peers) {
      lines.push("", "[Peer]", `PublicKey = ${p.keys.publicKey}`, `AllowedIPs = ${p.tunnelAddress}/32`);
      if (p.endpoint !== undefined) lines.push(`Endpoint = ${p.endpoint}`);
    }
    return `${lines.join("\n")}\n`;
  }

  static async start(lab: NatLab, host: Host, o: CoordinatedOptions): Promise<CoordinatedPlugd> {
    const ifname = lab.lab.reserveInterface(o.tag);
    const file = lab.lab.writeSecretFile(`${ifname}.conf`, CoordinatedPlugd.configText(lab, o, readFileSync(o.keys.privateKeyFile, "utf8").trim()));
    const startedAt = Date.now();
    const daemon = lab.lab.spawn(host.ns, PLUGD_BIN, ["-f", "--config", file, ifname], { env: { ...process.env, LOG_LEVEL: "verbose" } });
    await waitForUapiSocket(ifname, daemon);
    const readyAt = Date.now();
    // The UAPI socket appears before the interface set-up and the coordination layer; the control
    // socket that `status` needs comes last. A test that asked for the status right after its first
    // ping through the tunnel could find none yet (seen once in CI under load). Waited for by the
    // status calls, not here, so that start() still returns when the interface exists (bench:connect
    // times from it).
    const controlReady = waitForSocket(controlSocketPath(CONTROL_DIR, ifname), daemon);
    controlReady.catch(() => undefined); // reported by the status call that awaits it, if any
    return new CoordinatedPlugd(ifname, host, daemon, o.keys, file, startedAt, readyAt, controlReady);
  }

  async status(): Promise<StatusJson> {
    await this.controlReady;
    const r = await run(PLUGD_BIN, ["status", this.ifname, "--json"]);
    return JSON.parse(r.stdout) as StatusJson;
  }

  /** The same status straight from the control socket (no `plugd status` process): for live displays. */
  async quickStatus(): Promise<InterfaceStatus> {
    await this.controlReady;
    return (await controlRequest(this.ifname, { op: "status" }, 5_000)) as InterfaceStatus;
  }

  async peer(publicKey: string): Promise<PeerStatusJson> {
    const s = await this.status();
    const p = s.peers.find((x) => x.publicKey === publicKey);
    if (p === undefined) throw new Error(`${this.ifname}: no peer ${publicKey} in status`);
    return p;
  }

  /** Waits until the peer's path is one of `paths`; returns the status line. Throws with the last status on timeout. */
  async waitForPath(publicKey: string, paths: readonly string[], timeoutMs = 15_000): Promise<PeerStatusJson> {
    const end = Date.now() + timeoutMs;
    let last: PeerStatusJson | undefined;
    for (;;) {
      last = await this.peer(publicKey);
      if (paths.includes(last.path)) return last;
      if (Date.now() > end) throw new Error(`${this.ifname}: path to ${publicKey} is ${last.path}, wanted ${paths.join("|")}: ${JSON.stringify(last)}\n${this.daemon.output.slice(-4000)}`);
      await sleep(200);
    }
  }

  async stop(): Promise<void> {
    await this.daemon.stop();
  }
}

/** Pings through the tunnel until one reply arrives; returns ms from the call to the first reply. */
export async function timeToFirstPing(host: Host, target: string, timeoutMs = 10_000): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    const r = await host.ns.ping(target, { count: 1, waitS: 1 });
    if (r.received > 0) return Date.now() - t0;
    if (Date.now() - t0 > timeoutMs) throw new Error(`no ping reply from ${target} within ${timeoutMs} ms:\n${r.output}`);
  }
}

export interface PingStreamResult {
  readonly replies: number;
  /** Longest time between two consecutive replies, ms. */
  readonly longestGapMs: number;
  /** Unix ms of each reply. */
  readonly times: readonly number[];
  /** ping's own output, for failure messages. */
  readonly output: string;
}

/**
 * Resolves once `host` routes `target` through `dev` (the tunnel address is
 * configured): before that, a ping would leave by the default route and keep
 * the wrong source address for the rest of its run.
 */
export async function waitForRoute(host: Host, target: string, dev: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await host.ns.exec("ip", ["route", "get", target], { allowFailure: true })).stdout.includes(`dev ${dev} `)) {
    if (Date.now() > end) throw new Error(`no route to ${target} in ${host.ns.name}`);
    await sleep(10);
  }
}

/** A ping every `intervalMs` through the tunnel (ping -D timestamps each reply); stop() parses the replies. */
export function pingStream(lab: NatLab, host: Host, target: string, intervalMs = 20): { stop(): Promise<PingStreamResult> } {
  const d = lab.lab.spawn(host.ns, "ping", ["-n", "-D", "-i", String(intervalMs / 1000), "-W", "1", target], { keepOutput: 8 * 1024 * 1024 });
  const startedAt = Date.now();
  return {
    async stop() {
      const stoppedAt = Date.now();
      await d.stop();
      const times = [...d.output.matchAll(/^\[(\d+\.\d+)\] \d+ bytes from/gm)].map((m) => Number(m[1]) * 1000);
      // The edges count: silence until the first reply or after the last one is a gap too.
      const edges = [startedAt, ...times, stoppedAt];
      let gap = 0;
      for (let i = 1; i < edges.length; i++) gap = Math.max(gap, (edges[i] ?? 0) - (edges[i - 1] ?? 0));
      return { replies: times.length, longestGapMs: Math.round(gap), times, output: d.output };
    },
  };
}
