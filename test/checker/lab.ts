// One daemon under test in a private namespace, driven only through its UAPI,
// with raw peers whose UDP sockets live in the same namespace (see nsudp.ts).
// Names carry the "prw" prefix plus random hex: /var/run/wireguard is shared.
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import {
  Daemon, Netns, UAPI_DIR, implCommand, requirePrerequisites, run, waitForUapiSocket, type Impl,
} from "../support/netns.js";
import { NsUdp, RawPeer, newIdentity, dhPublic, type Identity, type NsUdpSocket } from "../support/rawpeer/index.js";
import { UapiConnection, parseGet, uapiRequest, type UapiDevice } from "./uapi.js";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, unlinkSync } from "node:fs";

export const TUN_ADDRESS = "10.77.0.1";
export const PEER_TUNNEL_ADDRESS = "10.77.0.2";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

/** Implementations to check, from PLUG_CHECK_IMPLS ("go,plugd" by default); wireguard-go first, it proves the checks. */
export function implsToCheck(env: string | undefined = process.env.PLUG_CHECK_IMPLS): Impl[] {
  const text = env && env.trim() !== "" ? env : "go,plugd";
  return text.split(",").map((s) => {
    const t = s.trim();
    if (t === "go" || t === "wireguard-go") return "wireguard-go";
    if (t === "plugd") return "plugd";
    throw new Error(`PLUG_CHECK_IMPLS: unknown implementation "${t}"`);
  });
}

export class CheckLab {
  readonly udp: NsUdp;
  private closed = false;
  private readonly extra: (() => void)[] = [];

  private constructor(
    readonly impl: Impl,
    readonly name: string,
    readonly ns: Netns,
    readonly daemon: Daemon,
    readonly identity: Identity,
    readonly port: number,
  ) {
    this.udp = new NsUdp(ns.name);
  }

  get socketPath(): string {
    return join(UAPI_DIR, `${this.name}.sock`);
  }

  /** Namespace + `IMPL -f NAME` inside it + private key and listen port set over UAPI + TUN addressed and up. */
  static async start(impl: Impl): Promise<CheckLab> {
    requirePrerequisites([impl]);
    const name = `prw${randomBytes(5).toString("hex").slice(0, 9)}`;
    await run("ip", ["netns", "add", name]);
    const ns = new Netns(name);
    let daemon: Daemon | undefined;
    try {
      await ns.linkUp("lo");
      const child = spawn("ip", ["netns", "exec", name, implCommand(impl), "-f", name], {
        env: { ...process.env, LOG_LEVEL: process.env.PLUG_CHECK_LOG_LEVEL ?? "error" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      daemon = new Daemon(`${impl} -f ${name}`, child, 64 * 1024);
      await waitForUapiSocket(name, daemon);
      const identity = newIdentity();
      const port = 20000 + randomBytes(2).readUInt16LE(0) % 40000;
      const path = join(UAPI_DIR, `${name}.sock`);
      const r = await uapiRequest(path, `set=1\nprivate_key=${hex(identity.privateKey)}\nlisten_port=${port}\n\n`);
      if (r !== "errno=0\n\n") throw new Error(`configuring ${name}: ${r}`);
      await ns.addAddress(name, `${TUN_ADDRESS}/24`);
      await ns.linkUp(name);
      const lab = new CheckLab(impl, name, ns, daemon, identity, port);
      CheckLab.live.add(lab);
      return lab;
    } catch (err) {
      const out = daemon?.output ?? "";
      await daemon?.stop();
      await run("ip", ["netns", "del", name], { allowFailure: true });
      removeSocket(name);
      const msg = (err as Error).message;
      throw new Error(out !== "" && !msg.includes(out) ? `${msg}\n${out}` : msg);
    }
  }

  static readonly live = new Set<CheckLab>();

  uapi(request: string): Promise<string> {
    return uapiRequest(this.socketPath, request);
  }

  connection(): Promise<UapiConnection> {
    return UapiConnection.open(this.socketPath);
  }

  async get(): Promise<UapiDevice> {
    return parseGet(await this.uapi("get=1\n\n"));
  }

  /** `set=1` with the given lines; returns the raw response. */
  set(lines: readonly string[]): Promise<string> {
    return this.uapi(`set=1\n${lines.map((l) => `${l}\n`).join("")}\n`);
  }

  /** rx/tx bytes and other fields of one peer, by its public key. */
  async peerFields(publicKey: Uint8Array): Promise<Map<string, string>> {
    const p = (await this.get()).peers.get(hex(publicKey));
    if (!p) throw new Error("peer not configured");
    return p.fields;
  }

  async transfer(publicKey: Uint8Array): Promise<{ rx: number; tx: number }> {
    const f = await this.peerFields(publicKey);
    return { rx: Number(f.get("rx_bytes")), tx: Number(f.get("tx_bytes")) };
  }

  /**
   * A raw peer configured on the daemon (allowed IP 10.77.0.2/32 by default) with its own
   * UDP socket on 127.0.0.1 (or `bind`, e.g. "::1" for an IPv6 outer path). `endpoint` tells the daemon where the peer is (needed when the
   * daemon must initiate).
   */
  async addRawPeer(opts: { allowedIps?: string[]; psk?: Uint8Array; endpoint?: boolean; identity?: Identity; bind?: string } = {}): Promise<RawPeer> {
    const identity = opts.identity ?? newIdentity();
    const socket = await this.udp.open(opts.bind ?? "127.0.0.1");
    const lines = [`public_key=${hex(identity.publicKey)}`, "replace_allowed_ips=true"];
    for (const a of opts.allowedIps ?? [`${PEER_TUNNEL_ADDRESS}/32`]) lines.push(`allowed_ip=${a}`);
    if (opts.psk) lines.push(`preshared_key=${hex(opts.psk)}`);
    const v6 = socket.address.includes(":");
    if (opts.endpoint) lines.push(`endpoint=${v6 ? `[${socket.address}]` : socket.address}:${socket.port}`);
    const r = await this.set(lines);
    if (r !== "errno=0\n\n") throw new Error(`adding peer: ${r}`);
    return new RawPeer({
      identity, daemonStatic: dhPublic(this.identity.privateKey), psk: opts.psk ?? null,
      socket, daemonAddress: v6 ? "::1" : "127.0.0.1", daemonPort: this.port,
    });
  }

  openSocket(bind = "127.0.0.1"): Promise<NsUdpSocket> {
    return this.udp.open(bind);
  }

  onClose(fn: () => void): void {
    this.extra.push(fn);
  }

  /** Fails the calling test with the daemon's output if it died. */
  assertAlive(): void {
    if (!this.daemon.running) throw new Error(`${this.impl} exited:\n${this.daemon.output}`);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    CheckLab.live.delete(this);
    for (const fn of this.extra) fn();
    this.udp.close();
    await this.daemon.stop();
    await run("ip", ["netns", "del", this.name], { allowFailure: true });
    removeSocket(this.name);
  }
}

function removeSocket(name: string): void {
  const sock = join(UAPI_DIR, `${name}.sock`);
  try {
    if (existsSync(sock)) unlinkSync(sock);
  } catch {
    // the daemon removed it itself
  }
}

// Interrupted runs must not leave namespaces or sockets behind in the shared directories.
function closeAllSync(): void {
  for (const lab of CheckLab.live) {
    lab.daemon.killSync();
    try {
      execFileSync("ip", ["netns", "del", lab.name], { stdio: "ignore" });
    } catch {
      // already gone
    }
    removeSocket(lab.name);
  }
  CheckLab.live.clear();
}
process.on("exit", closeAllSync);
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.once(sig, () => {
    closeAllSync();
    process.kill(process.pid, sig);
  });
}
