// The daemon proper: create the TUN, the device and the UAPI socket, apply
// the config file if there is one, report readiness, and on SIGINT/SIGTERM,
// TUN removal or deletion of the socket file take everything down again.
// Order matters: the config is parsed before anything is created, so a typo
// leaves no interface behind.
import { existsSync } from "node:fs";
import { getMtu, openTun, openTunFd, setMtu, type LinuxTunDevice } from "@plug/tun";
import { WireGuardDevice, type Logger } from "@plug/wireguard";
import type { PlugConfig } from "../config/index.js";
import { UapiServer } from "../uapi-server/index.js";
import type { Readiness } from "./readiness.js";
import type { Coordination } from "../coordination/coordination.js";
import type { CoordinationSettings } from "../coordination/settings.js";
import { deviceOnlyStatus } from "../coordination/status.js";
import { ControlServer } from "../control/server.js";
// The config file, wg-quick-style interface set-up and the metrics listener
// are imported only when a config file asks for them: plugd driven by wg /
// wg-quick alone (as wireguard-go) keeps none of that code resident.

/** wireguard-go's DefaultMTU: 1500 minus the IPv6 + UDP + WireGuard overhead. */
export const DEFAULT_MTU = 1420;

export interface ForegroundOptions {
  readonly ifname: string;
  /** Explicit --config; null means /etc/plugd/IFNAME.conf when it exists. */
  readonly configPath: string | null;
  readonly log: Logger;
  readonly readiness: Readiness;
  /** UAPI socket directory (tests); defaults to /var/run/wireguard. */
  readonly socketDir?: string;
  /** Installs SIGINT/SIGTERM handlers; tests driving the function in-process turn this off. */
  readonly handleSignals?: boolean;
  /** Resolves when the daemon should stop, in addition to signals and failures. */
  readonly stop?: Promise<void>;
  /** WG_TUN_FD: a TUN fd opened by whoever started us, as wireguard-go accepts it. */
  readonly tunFd?: number;
}

export function defaultConfigPath(ifname: string): string {
  return `/etc/plugd/${ifname}.conf`;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Runs until shutdown; resolves to the process exit code. */
export async function runForeground(opts: ForegroundOptions): Promise<number> {
  const { log, readiness } = opts;
  let cfg: PlugConfig | null = null;
  const path = opts.configPath ?? (existsSync(defaultConfigPath(opts.ifname)) ? defaultConfigPath(opts.ifname) : null);
  if (path !== null) {
    try {
      const { loadConfig } = await import("../config/index.js");
      cfg = await loadConfig(path);
    } catch (err) {
      readiness.failed(message(err)); // ConfigError messages are already "file:line: text"
      return 1;
    }
  }

  let settings: CoordinationSettings | null = null;
  try {
    if (cfg !== null) settings = (await import("../coordination/settings.js")).coordinationSettings(cfg);
  } catch (err) {
    readiness.failed(message(err));
    return 1;
  }

  const cleanups: Array<() => Promise<void> | void> = [];
  const cleanUp = async (): Promise<void> => {
    for (const f of cleanups.splice(0).reverse()) {
      try {
        await f();
      } catch (err) {
        log.error(`Shutdown step failed: ${message(err)}`);
      }
    }
  };

  let stopRequested!: (reason: string) => void;
  const stopped = new Promise<string>((resolve) => {
    stopRequested = resolve;
  });
  // Handlers from the start: a SIGTERM during set-up (wg-quick down racing up, a test that stops us
  // as soon as the address appears) must still end in a clean tear-down, not a kill.
  const onSignal = (signal: NodeJS.Signals): void => stopRequested(`received ${signal}`);
  if (opts.handleSignals !== false) {
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  }

  try {
    const tun: LinuxTunDevice = opts.tunFd === undefined ? openTun(opts.ifname) : openTunFd(opts.tunFd);
    let tunOwned = true;
    cleanups.push(() => {
      if (tunOwned) tun.close();
    });
    const ifname = tun.name;
    const mtu = cfg?.iface.mtu ?? DEFAULT_MTU;
    setMtu(ifname, mtu);
    const device = await WireGuardDevice.open({ tun, log, mtu });
    tunOwned = false; // the device closes it
    cleanups.push(() => device.close());
    device.onFatal((err) => stopRequested(`device failure: ${err.message}`));
    if (cfg !== null) await (await import("../config/index.js")).applyConfig(device, cfg);
    let coordination: Coordination | null = null;
    const server = await UapiServer.listen({
      ifname,
      control: device,
      log,
      ...(opts.socketDir === undefined ? {} : { dir: opts.socketDir }),
      onSocketRemoved: () => stopRequested("UAPI socket removed"),
      onRequestDone: () => coordination?.sync(),
    });
    cleanups.push(() => server.close());
    if (cfg !== null) {
      const config = cfg;
      const { setUpInterface, tearDownInterface } = await import("../netconfig/index.js");
      await setUpInterface(ifname, config, log, { control: device });
      cleanups.push(() => tearDownInterface(ifname, config, log, { control: device }));
      // Set-up may have chosen the MTU (wg-quick's automatic MTU); padding must follow it.
      device.setMtu(getMtu(ifname));
    }
    // After the interface set-up: the UAPI socket already exists, and whoever waits for it (wg-quick,
    // tests) expects the interface configured when it appears, so nothing slow may come between.
    if (settings !== null) {
      // Loaded only when used: plugd as a plain wireguard-go replacement carries none of it in memory.
      const { Coordination: CoordinationLayer } = await import("../coordination/coordination.js");
      const c = new CoordinationLayer({ device, ifname, log, ...settings });
      coordination = c;
      cleanups.push(() => c.close());
      await c.start();
    }
    const target = coordination ?? {
      status: () => deviceOnlyStatus(ifname, device.snapshot()),
      netcheck: () => Promise.resolve(deviceOnlyStatus(ifname, device.snapshot())),
      probePeer: () => false,
    };
    const control = await ControlServer.listen(ifname, target, log);
    cleanups.push(() => control.close());
    const metricsAt = cfg?.iface.metricsListen;
    if (metricsAt !== undefined) {
      const [{ MetricsServer }, { renderMetrics }] = await Promise.all([import("../metrics/server.js"), import("../metrics/render.js")]);
      const metrics = await MetricsServer.listen(metricsAt.host, metricsAt.port, () => renderMetrics(target.status(), device.stats, Date.now() / 1000), log);
      cleanups.push(() => metrics.close());
    }
    log.info(`Interface ${ifname} is up (UAPI ${server.path}, UDP port ${device.snapshot().listenPort})`);
  } catch (err) {
    await cleanUp();
    readiness.failed(`plugd: ${opts.ifname}: ${message(err)}`);
    if (opts.handleSignals !== false) {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    }
    return 1;
  }

  void opts.stop?.then(() => stopRequested("stop requested"));
  readiness.ready();

  const reason = await stopped;
  log.info(`Shutting down: ${reason}`);
  await cleanUp();
  if (opts.handleSignals !== false) {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  return 0;
}
