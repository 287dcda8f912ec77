// Assembles coordd: key, core, UDP and HTTP edges, the housekeeping timer.
import { pino, type Logger } from "pino";
import { keyToBase64 } from "@plug/protocol";
import { loadOrCreateKey } from "./config/keyfile.js";
import type { CoorddConfig } from "./config/options.js";
import { CoordCore } from "./core/coord-core.js";
import { randomPool } from "./entropy/random-pool.js";
import type { Send } from "./core/types.js";
import { HttpServer } from "./http/http-server.js";
import { UdpServer } from "./net/udp-server.js";

// Every table is swept once per SWEEP_PERIOD_MS, in SWEEP_STEPS slices spread over it, so no
// single step holds the event loop for long (docs/PERFORMANCE.md, coordd: push latency).
const SWEEP_PERIOD_MS = 5_000;
const SWEEP_STEPS = 20;

export interface RunningCoordd {
  readonly core: CoordCore;
  readonly publicKey: Uint8Array;
  readonly udpPort: number;
  readonly altUdpPort: number;
  readonly httpPort: number;
  close(): Promise<void>;
}

export async function startCoordd(cfg: CoorddConfig, logger?: Logger): Promise<RunningCoordd> {
  const log = logger ?? pino({ level: cfg.logLevel, base: { svc: "coordd" } });
  const key = loadOrCreateKey(cfg.keyFile);
  if (key.created) log.info({ keyFile: cfg.keyFile }, "created a new server key");
  if (key.looseMode) log.warn({ keyFile: cfg.keyFile }, "key file is readable by group or others; chmod 600 it");
  const now = (): number => Date.now();
  const core = new CoordCore({ serverPrivate: key.privateKey, serverPublic: key.publicKey, limits: cfg.limits, random: randomPool(), nowMs: now() });
  // Each edge hands the other what is addressed to it; they are created one after the other.
  const edges: { http?: HttpServer; udp?: UdpServer } = {};
  const toWs = (s: Send): void => edges.http?.deliver(s);
  const toUdp = (s: Send): void => edges.udp?.deliver(s);
  const alt = cfg.altAddress;
  const udp = await UdpServer.start(
    {
      binds: [
        { address: cfg.bind, port: cfg.udpPort, ...(cfg.publicAddress ? { advertisedAddress: cfg.publicAddress } : {}) },
        { address: cfg.bind, port: cfg.altUdpPort, ...(cfg.publicAddress ? { advertisedAddress: cfg.publicAddress } : {}) },
        alt === undefined ? undefined : { address: alt, port: cfg.udpPort, ...(cfg.altPublicAddress ? { advertisedAddress: cfg.altPublicAddress } : {}) },
        alt === undefined ? undefined : { address: alt, port: cfg.altUdpPort, ...(cfg.altPublicAddress ? { advertisedAddress: cfg.altPublicAddress } : {}) },
      ],
    },
    core,
    now,
    toWs,
  );
  edges.udp = udp;
  const http = new HttpServer(core, now, toUdp, log);
  edges.http = http;
  let httpPort: number;
  try {
    httpPort = await http.listen(cfg.httpPort, cfg.httpHost);
  } catch (e) {
    udp.close();
    throw e;
  }
  const timer = setInterval(() => {
    for (const s of core.sweep(now(), 1 / SWEEP_STEPS)) udp.deliver(s);
  }, SWEEP_PERIOD_MS / SWEEP_STEPS);
  timer.unref();
  const udpPort = udp.port(0) ?? cfg.udpPort;
  const altUdpPort = udp.port(1) ?? cfg.altUdpPort;
  log.info({ udpPort, altUdpPort, httpPort, altAddress: alt ?? null, publicKey: keyToBase64(key.publicKey) }, "coordd listening");
  let closed = false;
  return {
    core,
    publicKey: key.publicKey,
    udpPort,
    altUdpPort,
    httpPort,
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      udp.close();
      await http.close();
      log.info("coordd stopped");
    },
  };
}
