// Network-namespace lab for end-to-end WireGuard tests (real TUN, real wg, real daemons).
//
// Everything a test creates is owned by a `Lab` and destroyed by `lab.close()`, which tests
// call from `t.after()` (or use `withLab`). Namespaces, daemons and UAPI sockets are also
// removed on process exit and on SIGINT/SIGTERM, so a crashed or interrupted test leaves
// nothing behind in /var/run/wireguard (shared by every namespace and every engineer).
//
// API
//   requirePrerequisites(impls)          throws (never skips) if root, /dev/net/tun or a tool is missing
//   const lab = await Lab.create()       lab.id is "pe2" + 5 random chars: the prefix of every name
//   lab.netns(tag)                       new namespace `${lab.id}-${tag}` with lo up -> Netns
//   lab.veth(a, b, {a?,b?})              veth pair between two namespaces (names returned)
//   lab.spawn(ns, cmd, args, opts)       long-running process, killed at close -> Daemon
//   lab.startInterface(impl, ns, tag)    starts wireguard-go or plugd `-f IFNAME` in ns, waits for
//                                        its UAPI socket -> WgInterface
//   lab.genKeyPair() / lab.genPsk()      keys from the real `wg genkey/pubkey/genpsk`; secrets go to
//                                        0600 files in the lab's temp dir and are never printed
//   lab.writeSecretFile(name, text)      0600 file in the lab dir; lab.secretFiles() lists key files
//   lab.reserveInterface(tag)            a name for a daemon someone else starts (wg-quick): its
//                                        socket and any process serving it are removed at close
//   lab.defer(fn)                        async cleanup run at close, before namespaces go
//   lab.daemonLogs()                     recent output of every daemon (attach to failures)
//   run(cmd, args, {ns?, input?})        execFile with an argument array (optionally in a namespace)
//   wg(args, input?)                     the real `wg` (UAPI sockets are global, so no namespace)
//   WgInterface: configure(), set(), showField(), endpoint(), latestHandshake(), transfer(),
//                listenPort(), show(), dump(), showconf()   (every call names the interface)
//   Netns: exec(), ip(), addAddress(), delAddress(), addBridge() (fixed MAC), linkUp(), moveLink(),
//          ping() -> PingResult
//   waitFor(what, probe, ms) / waitForUapiSocket(ifname, daemon)
//   sendUdp(ns, {from, to, port, payloads})  datagrams from a chosen source address (forgery tests)
//   loopbackPair(lab, opts)              WIREGUARD.md §11.3: daemons' UDP in ns0 over loopback,
//                                        TUNs moved into ns1/ns2 (192.168.241.1-2/24, fd00::1-2/64)
//   vethPair(lab, opts)                  each side in its own namespace, joined by a veth
//                                        (198.51.100.1-2/24, fd01::1-2/64 outside; same tunnel addrs)
//   implsUnderTest()                     implementation pairs from PLUG_E2E_PAIRS (see below)
//
// Implementation selection: PLUG_E2E_PAIRS is a comma list of `A-B` with A,B in {go,plugd}
// (default "go-go,plugd-go,go-plugd,plugd-plugd"). go-go is the reference run: it proves the
// test itself works; a scenario that fails with go-go is a broken test, not a broken plugd.
import { execFile, execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { accessSync, constants as fsConstants, existsSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export type Impl = "wireguard-go" | "plugd";
export interface ImplPair {
  readonly a: Impl;
  readonly b: Impl;
  /** e.g. "plugd-go", usable in test names. */
  readonly label: string;
}

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const PLUGD_BIN = join(REPO_ROOT, "node_modules", ".bin", "plugd");
export const UAPI_DIR = "/var/run/wireguard";

const SHORT: Record<string, Impl> = { go: "wireguard-go", plugd: "plugd" };

export function implsUnderTest(env: string | undefined = process.env.PLUG_E2E_PAIRS): ImplPair[] {
  const text = env && env.trim() !== "" ? env : "go-go,plugd-go,go-plugd,plugd-plugd";
  return text.split(",").map((item) => {
    const [a, b] = item.trim().split("-");
    const ia = SHORT[a ?? ""];
    const ib = SHORT[b ?? ""];
    if (!ia || !ib) throw new Error(`PLUG_E2E_PAIRS: bad pair "${item}" (want e.g. plugd-go)`);
    return { a: ia, b: ib, label: item.trim() };
  });
}

export function implCommand(impl: Impl): string {
  return impl === "plugd" ? PLUGD_BIN : "wireguard-go";
}

// ---------------------------------------------------------------------------------------------
// Running commands

export interface RunOptions {
  /** Namespace to run in (via `ip netns exec`); the host namespace when absent. */
  readonly ns?: Netns | string;
  readonly input?: string | Buffer;
  readonly timeoutMs?: number;
  readonly env?: NodeJS.ProcessEnv;
  /** Resolve with the result instead of throwing on a non-zero exit. */
  readonly allowFailure?: boolean;
}

export interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number;
}

export class CommandError extends Error {
  constructor(
    message: string,
    readonly result: RunResult,
  ) {
    super(message);
  }
}

function nsName(ns: Netns | string): string {
  return typeof ns === "string" ? ns : ns.name;
}

function wrap(cmd: string, args: readonly string[], ns: Netns | string | undefined): [string, string[]] {
  return ns === undefined ? [cmd, [...args]] : ["ip", ["netns", "exec", nsName(ns), cmd, ...args]];
}

export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const [file, argv] = wrap(cmd, args, opts.ns);
  return new Promise((resolvePromise, reject) => {
    const child = execFile(
      file,
      argv,
      { cwd: REPO_ROOT, timeout: opts.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024, env: opts.env ?? process.env, encoding: "utf8" },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
        const result = { stdout, stderr, code };
        if (err && !opts.allowFailure) {
          const where = opts.ns === undefined ? "" : ` (in ${nsName(opts.ns)})`;
          reject(new CommandError(`${cmd} ${args.join(" ")}${where} failed (${code}): ${stderr.trim() || err.message}`, result));
        } else resolvePromise(result);
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
}

/** The real `wg`. UAPI sockets are paths shared by all namespaces, so `wg` runs in the host namespace. */
export async function wg(args: readonly string[], input?: string): Promise<string> {
  return (await run("wg", args, input === undefined ? {} : { input })).stdout;
}

// ---------------------------------------------------------------------------------------------
// Prerequisites: a missing tool is a failure, never a skip.

export function requirePrerequisites(impls: readonly Impl[] = ["wireguard-go", "plugd"], extraTools: readonly string[] = []): void {
  const missing: string[] = [];
  if (process.getuid?.() !== 0) missing.push("root (uid 0)");
  try {
    accessSync("/dev/net/tun", fsConstants.R_OK | fsConstants.W_OK);
  } catch {
    missing.push("/dev/net/tun");
  }
  const tools = new Set(["ip", "wg", "ping", ...extraTools]);
  if (impls.includes("wireguard-go")) tools.add("wireguard-go");
  for (const tool of tools) {
    try {
      execFileSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" });
    } catch {
      missing.push(tool);
    }
  }
  if (impls.includes("plugd") && !existsSync(PLUGD_BIN)) missing.push(`${PLUGD_BIN} (run npm run build)`);
  if (missing.length > 0) {
    throw new Error(`end-to-end prerequisites missing: ${missing.join(", ")} (install them with: sudo scripts/install-system-deps.sh)`);
  }
}

// ---------------------------------------------------------------------------------------------
// Global teardown on exit: only sync work is possible in an 'exit' handler.

const liveLabs = new Set<Lab>();
let exitHooked = false;

function hookExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  process.on("exit", () => {
    for (const lab of liveLabs) lab.closeSync();
  });
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(sig, () => {
      for (const lab of liveLabs) lab.closeSync();
      process.kill(process.pid, sig);
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Namespaces

export class Netns {
  constructor(readonly name: string) {}

  exec(cmd: string, args: readonly string[], opts: Omit<RunOptions, "ns"> = {}): Promise<RunResult> {
    return run(cmd, args, { ...opts, ns: this });
  }

  async ip(args: readonly string[]): Promise<string> {
    return (await run("ip", ["-n", this.name, ...args])).stdout;
  }

  async linkUp(dev: string): Promise<void> {
    await this.ip(["link", "set", dev, "up"]);
  }

  /**
   * A bridge with a fixed MAC address. Left to itself a Linux bridge takes the lowest MAC of its
   * ports and changes it whenever a port with a lower one joins, so neighbours that cached the old
   * one (a router's entry for coordd, a host's for its gateway) send to a MAC the bridge now
   * drops as not its own: a site loses the internet until its ARP entry expires.
   */
  async addBridge(dev: string): Promise<void> {
    const mac = randomBytes(6);
    mac[0] = (mac[0]! & 0xfc) | 0x02; // locally administered, unicast
    await this.ip(["link", "add", dev, "address", [...mac].map((b) => b.toString(16).padStart(2, "0")).join(":"), "type", "bridge"]);
  }

  /** IPv6 addresses get `nodad` so they are usable at once. */
  async addAddress(dev: string, cidr: string): Promise<void> {
    await this.ip(["addr", "add", cidr, "dev", dev, ...(cidr.includes(":") ? ["nodad"] : [])]);
  }

  async delAddress(dev: string, cidr: string): Promise<void> {
    await this.ip(["addr", "del", cidr, "dev", dev]);
  }

  async moveLink(dev: string, to: Netns): Promise<void> {
    await this.ip(["link", "set", dev, "netns", to.name]);
  }

  /** Returns ping's result without throwing, so tests can assert on packet counts. */
  async ping(target: string, opts: { count?: number; size?: number; dontFragment?: boolean; intervalS?: number; waitS?: number; deadlineS?: number } = {}): Promise<PingResult> {
    const args = ["-n", "-q", "-c", String(opts.count ?? 3), "-i", String(opts.intervalS ?? 0.2), "-W", String(opts.waitS ?? 2)];
    if (opts.deadlineS !== undefined) args.push("-w", String(opts.deadlineS));
    if (opts.size !== undefined) args.push("-s", String(opts.size));
    if (opts.dontFragment) args.push("-M", "do");
    args.push(target);
    const budgetS = (opts.count ?? 3) * (opts.intervalS ?? 0.2) + (opts.waitS ?? 2) + (opts.deadlineS ?? 0) + 30;
    const r = await this.exec("ping", args, { allowFailure: true, timeoutMs: Math.ceil(budgetS * 1000) });
    const m = /(\d+) packets transmitted, (\d+) received/.exec(r.stdout);
    return { requested: opts.count ?? 3, transmitted: Number(m?.[1] ?? 0), received: Number(m?.[2] ?? 0), output: r.stdout + r.stderr, code: r.code };
  }
}

export interface PingResult {
  /** The -c count asked for: compare `received` with this, since an unroutable ping transmits 0. */
  readonly requested: number;
  readonly transmitted: number;
  readonly received: number;
  readonly output: string;
  readonly code: number;
}

// ---------------------------------------------------------------------------------------------
// Daemons

export interface SpawnOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** Keep at most this many bytes of combined output for diagnostics. */
  readonly keepOutput?: number;
}

export class Daemon {
  private out = "";
  readonly exited: Promise<number | null>;
  private exitCode: number | null | undefined;

  constructor(
    readonly name: string,
    private readonly child: ChildProcess,
    private readonly keep: number,
  ) {
    const collect = (chunk: Buffer): void => {
      this.out += chunk.toString("utf8");
      if (this.out.length > this.keep) this.out = this.out.slice(-this.keep);
    };
    child.stdout?.on("data", collect);
    child.stderr?.on("data", collect);
    this.exited = new Promise((res) => {
      child.on("exit", (code, signal) => {
        this.exitCode = code ?? (signal ? null : 0);
        res(this.exitCode);
      });
      child.on("error", (err) => {
        collect(Buffer.from(`spawn error: ${err.message}\n`));
        this.exitCode = -1;
        res(-1);
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  get output(): string {
    return this.out;
  }

  /** SIGTERM, then SIGKILL after graceMs. Resolves once the process is gone. */
  async stop(graceMs = 3000): Promise<number | null> {
    if (!this.running) return this.exitCode ?? null;
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }

  killSync(): void {
    if (this.running) {
      try {
        this.child.kill("SIGKILL");
      } catch {
        // already gone
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Keys: generated by the real tools; private material lives only in 0600 files and memory.

export interface KeyPair {
  /** Base64 public key as `wg` prints it. */
  readonly publicKey: string;
  /** Path of a 0600 file holding the base64 private key. */
  readonly privateKeyFile: string;
}

export interface Psk {
  readonly file: string;
}

// ---------------------------------------------------------------------------------------------
// WireGuard interfaces

export interface PeerConfig {
  readonly publicKey: string;
  readonly allowedIps: readonly string[];
  readonly endpoint?: string;
  readonly psk?: Psk;
  readonly keepalive?: number;
}

export class WgInterface {
  constructor(
    readonly name: string,
    readonly impl: Impl,
    readonly daemon: Daemon,
    readonly keys: KeyPair,
  ) {}

  get socketPath(): string {
    return join(UAPI_DIR, `${this.name}.sock`);
  }

  /** `wg set NAME ...args` */
  async set(args: readonly string[]): Promise<void> {
    await wg(["set", this.name, ...args]);
  }

  async configure(opts: { listenPort?: number; peers: readonly PeerConfig[] }): Promise<void> {
    const args = ["private-key", this.keys.privateKeyFile];
    if (opts.listenPort !== undefined) args.push("listen-port", String(opts.listenPort));
    for (const p of opts.peers) {
      args.push("peer", p.publicKey, "allowed-ips", p.allowedIps.join(","));
      if (p.endpoint) args.push("endpoint", p.endpoint);
      if (p.psk) args.push("preshared-key", p.psk.file);
      if (p.keepalive !== undefined) args.push("persistent-keepalive", String(p.keepalive));
    }
    await this.set(args);
  }

  /** `wg show NAME FIELD` parsed into per-peer values (first column is the peer's public key). */
  async showField(field: string): Promise<Map<string, string>> {
    const out = await wg(["show", this.name, field]);
    const map = new Map<string, string>();
    for (const line of out.split("\n")) {
      if (line.trim() === "") continue;
      const [key, ...rest] = line.split("\t");
      if (key !== undefined) map.set(key, rest.join("\t"));
    }
    return map;
  }

  async endpoint(peer: string): Promise<string | undefined> {
    const v = (await this.showField("endpoints")).get(peer);
    return v === undefined || v === "(none)" ? undefined : v;
  }

  /** Unix seconds of the latest handshake with `peer`, 0 if never. */
  async latestHandshake(peer: string): Promise<number> {
    return Number((await this.showField("latest-handshakes")).get(peer) ?? 0);
  }

  async transfer(peer: string): Promise<{ rx: number; tx: number }> {
    const [rx, tx] = ((await this.showField("transfer")).get(peer) ?? "0\t0").split("\t");
    return { rx: Number(rx), tx: Number(tx) };
  }

  async listenPort(): Promise<number> {
    return Number((await wg(["show", this.name, "listen-port"])).trim());
  }

  dump(): Promise<string> {
    return wg(["show", this.name, "dump"]);
  }

  show(): Promise<string> {
    return wg(["show", this.name]);
  }

  showconf(): Promise<string> {
    return wg(["showconf", this.name]);
  }
}

/** Polls until the UAPI socket exists and accepts a connection (the way `wg` probes it). */
export async function waitForUapiSocket(ifname: string, daemon?: Daemon, timeoutMs = 15_000): Promise<void> {
  await waitForSocket(join(UAPI_DIR, `${ifname}.sock`), daemon, timeoutMs);
}

/** Until a Unix socket at `path` accepts a connection; fails early when `daemon` exits first. */
export async function waitForSocket(path: string, daemon?: Daemon, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (daemon && !daemon.running) {
      throw new Error(`${daemon.name} exited (${String(await daemon.exited)}) before creating ${path}:\n${daemon.output}`);
    }
    if (existsSync(path) && (await canConnect(path))) return;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${path}${daemon ? `; daemon output:\n${daemon.output}` : ""}`);
}

function canConnect(path: string): Promise<boolean> {
  return new Promise((res) => {
    const s = connect(path);
    s.once("connect", () => {
      s.destroy();
      res(true);
    });
    s.once("error", () => res(false));
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `probe` until it returns a value other than undefined, or throws with `what` after timeoutMs. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await sleep(everyMs);
  }
  throw new Error(`timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ""}`);
}

// ---------------------------------------------------------------------------------------------
// The lab: owner of everything created

export class Lab {
  readonly namespaces: Netns[] = [];
  readonly daemons: Daemon[] = [];
  private readonly interfaces: string[] = [];
  private readonly cleanups: (() => Promise<void>)[] = [];
  private readonly foreign: string[] = [];
  private readonly keyFiles: string[] = [];
  private closed = false;

  private constructor(
    readonly id: string,
    readonly dir: string,
  ) {}

  static async create(): Promise<Lab> {
    hookExit();
    const id = `pe2${randomBytes(4).toString("hex").slice(0, 5)}`;
    const dir = mkdtempSync(join(tmpdir(), `${id}-`));
    const lab = new Lab(id, dir);
    liveLabs.add(lab);
    return lab;
  }

  /** Namespace `${id}-${tag}` with loopback up. */
  async netns(tag: string): Promise<Netns> {
    const ns = new Netns(`${this.id}-${tag}`);
    await run("ip", ["netns", "add", ns.name]);
    this.namespaces.push(ns);
    await ns.linkUp("lo");
    return ns;
  }

  /** Interface name `${id}${tag}`; at most 15 characters (IFNAMSIZ). */
  ifname(tag: string): string {
    const name = `${this.id}${tag}`;
    if (name.length > 15) throw new Error(`interface name ${name} longer than 15 characters`);
    return name;
  }

  /**
   * Reserves an interface name for a daemon the lab does not spawn itself (e.g. one wg-quick
   * starts): its UAPI socket is removed at close, and any process still serving the name is ended.
   */
  reserveInterface(tag: string): string {
    const name = this.ifname(tag);
    this.interfaces.push(name);
    this.foreign.push(name);
    return name;
  }

  /** A veth pair with one end in each namespace, both up. Returns the two device names. */
  async veth(a: Netns, b: Netns, tags: { a?: string; b?: string } = {}): Promise<{ a: string; b: string }> {
    const na = this.ifname(tags.a ?? "va");
    const nb = this.ifname(tags.b ?? "vb");
    await run("ip", ["link", "add", na, "netns", a.name, "type", "veth", "peer", "name", nb, "netns", b.name]);
    await a.linkUp(na);
    await b.linkUp(nb);
    return { a: na, b: nb };
  }

  spawn(ns: Netns | undefined, cmd: string, args: readonly string[], opts: SpawnOptions = {}): Daemon {
    const [file, argv] = wrap(cmd, args, ns);
    const child = spawn(file, argv, { cwd: REPO_ROOT, env: opts.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
    const d = new Daemon(`${cmd} ${args.join(" ")}`, child, opts.keepOutput ?? 64 * 1024);
    this.daemons.push(d);
    return d;
  }

  /** Runs async cleanup at close (before namespaces are deleted). */
  defer(fn: () => Promise<void>): void {
    this.cleanups.push(fn);
  }

  /** Starts `IMPL -f IFNAME` in `ns` and waits for its UAPI socket. */
  async startInterface(impl: Impl, ns: Netns | undefined, tag: string, extraArgs: readonly string[] = []): Promise<WgInterface> {
    const name = this.ifname(tag);
    this.interfaces.push(name);
    const env = { ...process.env, LOG_LEVEL: process.env.PLUG_E2E_LOG_LEVEL ?? "error" };
    const daemon = this.spawn(ns, implCommand(impl), ["-f", name, ...extraArgs], { env });
    await waitForUapiSocket(name, daemon);
    const keys = await this.genKeyPair();
    return new WgInterface(name, impl, daemon, keys);
  }

  writeSecretFile(name: string, text: string): string {
    const path = join(this.dir, name);
    writeFileSync(path, text, { mode: 0o600 });
    return path;
  }

  /** Files holding one generated private key or PSK each (base64), for leak checks. */
  secretFiles(): string[] {
    return [...this.keyFiles];
  }

  async genKeyPair(): Promise<KeyPair> {
    const priv = (await wg(["genkey"])).trim();
    const publicKey = (await wg(["pubkey"], `${priv}\n`)).trim();
    const privateKeyFile = this.writeSecretFile(`key-${randomBytes(4).toString("hex")}`, `${priv}\n`);
    this.keyFiles.push(privateKeyFile);
    return { publicKey, privateKeyFile };
  }

  async genPsk(): Promise<Psk> {
    const psk = (await wg(["genpsk"])).trim();
    const file = this.writeSecretFile(`psk-${randomBytes(4).toString("hex")}`, `${psk}\n`);
    this.keyFiles.push(file);
    return { file };
  }

  /** Diagnostics for a failed test: each daemon's recent output. */
  daemonLogs(): string {
    return this.daemons.map((d) => `--- ${d.name} (pid ${String(d.pid)}, running=${String(d.running)})\n${d.output}`).join("\n");
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const fn of this.cleanups.reverse()) {
      try {
        await fn();
      } catch {
        // teardown continues whatever one step did
      }
    }
    await Promise.all(this.daemons.map((d) => d.stop()));
    for (const name of this.foreign) for (const pid of foreignPids(name)) killPid(pid);
    for (const ns of this.namespaces) await run("ip", ["netns", "del", ns.name], { allowFailure: true });
    this.removeLeftovers();
    liveLabs.delete(this);
  }

  closeSync(): void {
    if (this.closed) return;
    this.closed = true;
    for (const d of this.daemons) d.killSync();
    for (const name of this.foreign) for (const pid of foreignPids(name)) killPid(pid);
    for (const ns of this.namespaces) {
      try {
        execFileSync("ip", ["netns", "del", ns.name], { stdio: "ignore" });
      } catch {
        // already gone
      }
    }
    this.removeLeftovers();
    liveLabs.delete(this);
  }

  private removeLeftovers(): void {
    // A SIGKILLed daemon leaves its socket file; remove only the names this lab created.
    for (const name of this.interfaces) {
      const sock = join(UAPI_DIR, `${name}.sock`);
      try {
        if (existsSync(sock)) unlinkSync(sock);
      } catch {
        // raced with the daemon's own cleanup
      }
      // A TUN left in the host namespace (daemon killed before the move) dies with its fd.
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Pids of daemons serving interface `name` that the lab did not spawn directly (wg-quick's
 * daemonised children). The name carries the lab's unique prefix, so these are ours.
 */
export function foreignPids(name: string): number[] {
  try {
    const out = execFileSync("pgrep", ["-f", `(wireguard-go|plugd).* ${name}( |$)`], { encoding: "utf8" });
    return out.split("\n").filter((l) => l.trim() !== "").map(Number).filter((p) => p !== process.pid);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

function killPid(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // exited meanwhile
  }
}

/** Runs `fn` with a fresh lab that is always closed afterwards. */
export async function withLab<T>(fn: (lab: Lab) => Promise<T>): Promise<T> {
  const lab = await Lab.create();
  try {
    return await fn(lab);
  } finally {
    await lab.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Raw UDP from a chosen address (forged and replayed packets)

const SEND_UDP_SCRIPT = `
const dgram = require("node:dgram");
const [fam, from, to, port, ...hex] = process.argv.slice(1);
const s = dgram.createSocket(fam === "6" ? "udp6" : "udp4");
s.bind({ address: from, port: 0 }, async () => {
  for (const h of hex) {
    await new Promise((ok) => s.send(Buffer.from(h, "hex"), Number(port), to, (err) => { if (err) { console.error(err.message); process.exit(1); } ok(); }));
  }
  s.close();
});`;

/** Sends each payload as one datagram from `from` (an address present in `ns`) to `to:port`, in order. */
export async function sendUdp(ns: Netns, opts: { from: string; to: string; port: number; payloads: readonly Uint8Array[] }): Promise<void> {
  const fam = opts.to.includes(":") ? "6" : "4";
  const hex = opts.payloads.map((p) => Buffer.from(p).toString("hex"));
  await ns.exec(process.execPath, ["-e", SEND_UDP_SCRIPT, fam, opts.from, opts.to, String(opts.port), ...hex]);
}

// ---------------------------------------------------------------------------------------------
// Lab recipes

export interface Side {
  readonly iface: WgInterface;
  /** Where the TUN lives: run tunnel traffic here. */
  readonly ns: Netns;
  /** Where the daemon (and so its UDP socket) lives. */
  readonly daemonNs: Netns;
  readonly tunnel4: string;
  readonly tunnel6: string;
  /** Outer address other peers use to reach this side (no port). */
  readonly outer: string;
  readonly listenPort: number;
  /** `wg` endpoint syntax for this side: `a.b.c.d:port` or `[v6]:port`. */
  readonly endpoint: string;
}

export interface Pair {
  readonly lab: Lab;
  readonly a: Side;
  readonly b: Side;
  readonly pair: ImplPair;
}

export interface PairOptions {
  readonly pair: ImplPair;
  /** Which side is told the other's endpoint; the other learns it from the first handshake. */
  readonly endpoints?: "both" | "a" | "b";
  readonly psk?: boolean;
  readonly keepalive?: number;
}

const TUN4 = ["192.168.241.1", "192.168.241.2"] as const;
const TUN6 = ["fd00::1", "fd00::2"] as const;

async function finishPair(lab: Lab, opts: PairOptions, sides: [Omit<Side, "endpoint">, Omit<Side, "endpoint">]): Promise<Pair> {
  const fmt = (s: Omit<Side, "endpoint">): string => (s.outer.includes(":") ? `[${s.outer}]:${s.listenPort}` : `${s.outer}:${s.listenPort}`);
  const [a, b] = sides.map((s) => ({ ...s, endpoint: fmt(s) })) as [Side, Side];
  const psk = opts.psk ? await lab.genPsk() : undefined;
  const mode = opts.endpoints ?? "both";
  const peerOf = (self: Side, other: Side, knows: boolean): PeerConfig => ({
    publicKey: other.iface.keys.publicKey,
    allowedIps: [`${other.tunnel4}/32`, `${other.tunnel6}/128`],
    ...(knows ? { endpoint: other.endpoint } : {}),
    ...(psk ? { psk } : {}),
    ...(opts.keepalive !== undefined ? { keepalive: opts.keepalive } : {}),
  });
  await a.iface.configure({ listenPort: a.listenPort, peers: [peerOf(a, b, mode !== "b")] });
  await b.iface.configure({ listenPort: b.listenPort, peers: [peerOf(b, a, mode !== "a")] });
  for (const [s, i] of [[a, 0], [b, 1]] as const) {
    await s.ns.addAddress(s.iface.name, `${TUN4[i]}/24`);
    await s.ns.addAddress(s.iface.name, `${TUN6[i]}/64`);
    await s.ns.linkUp(s.iface.name);
  }
  return { lab, a, b, pair: opts.pair };
}

/**
 * WIREGUARD.md §11.3: both daemons in ns0 talking over 127.0.0.1 (A :10000, B :20000); A's TUN
 * moved into ns1, B's into ns2. 127.0.0.0/8 is all loopback, so other 127.x addresses in ns0
 * can play third parties.
 */
export async function loopbackPair(lab: Lab, opts: PairOptions): Promise<Pair> {
  const ns0 = await lab.netns("n0");
  const ns1 = await lab.netns("n1");
  const ns2 = await lab.netns("n2");
  const [ia, ib] = await Promise.all([lab.startInterface(opts.pair.a, ns0, "a"), lab.startInterface(opts.pair.b, ns0, "b")]);
  await ns0.moveLink(ia.name, ns1);
  await ns0.moveLink(ib.name, ns2);
  return finishPair(lab, opts, [
    { iface: ia, ns: ns1, daemonNs: ns0, tunnel4: TUN4[0], tunnel6: TUN6[0], outer: "127.0.0.1", listenPort: 10000 },
    { iface: ib, ns: ns2, daemonNs: ns0, tunnel4: TUN4[1], tunnel6: TUN6[1], outer: "127.0.0.1", listenPort: 20000 },
  ]);
}

export interface VethPair extends Pair {
  /** veth device names: `a` in A's namespace, `b` in B's. */
  readonly links: { a: string; b: string };
}

export const VETH4 = ["198.51.100.1", "198.51.100.2"] as const;
export const VETH6 = ["fd01::1", "fd01::2"] as const;

/**
 * Each side in its own namespace (daemon and TUN together), the namespaces joined by one veth
 * carrying 198.51.100.0/24 and fd01::/64. `outer` picks which family the peers' endpoints use.
 */
export async function vethPair(lab: Lab, opts: PairOptions & { outer?: 4 | 6 }): Promise<VethPair> {
  const na = await lab.netns("a");
  const nb = await lab.netns("b");
  const links = await lab.veth(na, nb);
  await na.addAddress(links.a, `${VETH4[0]}/24`);
  await nb.addAddress(links.b, `${VETH4[1]}/24`);
  await na.addAddress(links.a, `${VETH6[0]}/64`);
  await nb.addAddress(links.b, `${VETH6[1]}/64`);
  const [ia, ib] = await Promise.all([lab.startInterface(opts.pair.a, na, "a"), lab.startInterface(opts.pair.b, nb, "b")]);
  const v6 = opts.outer === 6;
  const p = await finishPair(lab, opts, [
    { iface: ia, ns: na, daemonNs: na, tunnel4: TUN4[0], tunnel6: TUN6[0], outer: v6 ? VETH6[0] : VETH4[0], listenPort: 10000 },
    { iface: ib, ns: nb, daemonNs: nb, tunnel4: TUN4[1], tunnel6: TUN6[1], outer: v6 ? VETH6[1] : VETH4[1], listenPort: 20000 },
  ]);
  return { ...p, links };
}
