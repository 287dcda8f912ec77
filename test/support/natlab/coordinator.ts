// coordd in the internet namespace, on both TEST-NET addresses (RFC 5780 change-IP and
// change-port), with its key file in the lab directory so a restart keeps its identity.
import { join } from "node:path";
import { REPO_ROOT, type Daemon, type Lab, type Netns, run, waitFor } from "../netns.js";
import { COORD_ALTERNATE, COORD_PRIMARY } from "./addressing.js";

export const COORDD_BIN = join(REPO_ROOT, "node_modules", ".bin", "coordd");

export interface CoordinatorPorts {
  readonly udpPort: number;
  readonly altUdpPort: number;
  readonly httpPort: number;
}

/** What a client needs to use the lab's coordd (the shape plugd's config lines take). */
export interface CoordinatorInfo extends CoordinatorPorts {
  /** Primary public address: `Coordinator = host:udpPort`. */
  readonly host: string;
  /** The second public address coordd answers CHANGE-REQUEST from. */
  readonly altHost: string;
  /** `CoordinatorKey`: coordd's X25519 public key, base64, as `coordd pubkey` prints it. */
  readonly publicKeyBase64: string;
  /** `CoordinatorWebSocket`: base URL of the HTTP listener (the WebSocket path is /v1/ws under it). */
  readonly wsUrl: string;
  /** http://host:httpPort, for /healthz and /metrics. */
  readonly httpUrl: string;
}

/** The [Interface] lines of plugd's config (issue 5's format) that point at this coordinator. */
export function coordinatorConfigLines(c: CoordinatorInfo, opts: { webSocket?: boolean } = {}): string {
  const lines = [`Coordinator = ${c.host}:${c.udpPort}`, `CoordinatorKey = ${c.publicKeyBase64}`];
  if (opts.webSocket ?? true) lines.push(`CoordinatorWebSocket = ${c.wsUrl}`);
  return `${lines.join("\n")}\n`;
}

export const DEFAULT_COORDINATOR_PORTS: CoordinatorPorts = { udpPort: 3478, altUdpPort: 3479, httpPort: 8080 };

export class Coordinator {
  private daemon: Daemon | undefined;
  private info: CoordinatorInfo | undefined;

  constructor(
    private readonly lab: Lab,
    private readonly ns: Netns,
    private readonly ports: CoordinatorPorts,
    /** coordd's private key file (0600, in the lab directory; created by coordd on first start). */
    readonly keyFile: string,
    private readonly logLevel: string,
  ) {}

  get current(): CoordinatorInfo {
    if (this.info === undefined) throw new Error("natlab: coordd is not started");
    return this.info;
  }

  get process(): Daemon | undefined {
    return this.daemon;
  }

  async start(): Promise<CoordinatorInfo> {
    const args = [
      "--bind", COORD_PRIMARY,
      "--alt-address", COORD_ALTERNATE,
      "--udp-port", String(this.ports.udpPort),
      "--alt-udp-port", String(this.ports.altUdpPort),
      "--http-port", String(this.ports.httpPort),
      "--key-file", this.keyFile,
      "--log-level", this.logLevel,
    ];
    const daemon = this.lab.spawn(this.ns, COORDD_BIN, args);
    this.daemon = daemon;
    // Ready means every socket a client may use is bound: four UDP (2 addresses × 2 ports) and HTTP.
    const udp = [COORD_PRIMARY, COORD_ALTERNATE].flatMap((a) => [`${a}:${this.ports.udpPort}`, `${a}:${this.ports.altUdpPort}`]);
    await waitFor(
      "coordd listening on both addresses and ports",
      async () => {
        if (!daemon.running) throw new Error(`coordd exited (${String(await daemon.exited)}):\n${daemon.output}`);
        const u = (await this.ns.exec("ss", ["-Hlun"])).stdout;
        const t = (await this.ns.exec("ss", ["-Hltn"])).stdout;
        return udp.every((a) => u.includes(a)) && t.includes(`:${this.ports.httpPort}`) ? true : undefined;
      },
      20_000,
      100,
    );
    const publicKeyBase64 = (await run(COORDD_BIN, ["pubkey", "--key-file", this.keyFile])).stdout.trim();
    this.info = {
      ...this.ports,
      host: COORD_PRIMARY,
      altHost: COORD_ALTERNATE,
      publicKeyBase64,
      wsUrl: `ws://${COORD_PRIMARY}:${this.ports.httpPort}`,
      httpUrl: `http://${COORD_PRIMARY}:${this.ports.httpPort}`,
    };
    return this.info;
  }

  /** SIGTERM (coordd's clean shutdown), then a fresh process with the same key and ports. */
  async restart(): Promise<CoordinatorInfo> {
    await this.stop();
    return this.start();
  }

  async stop(): Promise<void> {
    const d = this.daemon;
    if (d === undefined) return;
    await d.stop();
    // The sockets must be gone before a new coordd binds them.
    await waitFor(
      "coordd's UDP sockets closed",
      async () => ((await this.ns.exec("ss", ["-Hlun"])).stdout.includes(`${COORD_PRIMARY}:${this.ports.udpPort}`) ? undefined : true),
      5_000,
      50,
    );
  }
}
