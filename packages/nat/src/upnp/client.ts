// UPnP IGD port mapping as a MappingKeeper: AddAnyPortMapping on IGDv2,
// AddPortMapping on v1 (or when v2's action is refused), lease 0 when the
// router only does permanent leases (error 725), renewal at half the lease,
// and a periodic re-add for permanent leases so a router that forgot the
// mapping (reboot) gets it back.
import { isIP } from "node:net";
import { systemClock, type Clock } from "../time/clock.js";
import type { MappingEventListener, MappingKeeper } from "../mapping/keeper.js";
import type { MappingRequest, PortMapping } from "../mapping/types.js";
import { PortMappingError } from "../pmp-pcp/errors.js";
import { discoverIgd, type DiscoverIgdOptions, type UpnpIgd } from "./discovery.js";
import { httpRequest } from "./http.js";
import { encodeSoapRequest, parseSoapFault, parseSoapResponse, soapActionHeader, UpnpErrorCode, upnpErrorNames, type SoapArgs } from "./soap.js";

export interface UpnpClientOptions {
  readonly request: MappingRequest;
  /** Skip discovery (tests, or a cached IGD). */
  readonly igd?: UpnpIgd;
  readonly discovery?: DiscoverIgdOptions;
  readonly description?: string;
  /** How often a permanent (lease 0) mapping is re-asserted. Default 5 minutes. */
  readonly permanentRefreshMs?: number;
  readonly soapTimeoutMs?: number;
  readonly onEvent?: MappingEventListener;
  readonly clock?: Clock;
  /** Port to try when the preferred one is taken (v1 has no "any port"). */
  readonly randomPort?: () => number;
}

export class UpnpError extends PortMappingError {
  constructor(readonly action: string, code: number, description: string) {
    const name = upnpErrorNames[code] ?? `UPnPError${code}`;
    super("upnp", code, name, `UPnP ${action} failed: ${code} ${name}${description ? ` (${description})` : ""}`);
    this.name = "UpnpError";
  }
}

export class UpnpClient implements MappingKeeper {
  readonly method = "upnp" as const;
  private igd: UpnpIgd | undefined;
  private mapping: PortMapping | undefined;
  private lease: number;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  private readonly clock: Clock;

  constructor(private readonly options: UpnpClientOptions) {
    this.clock = options.clock ?? systemClock;
    this.igd = options.igd;
    this.lease = options.request.lifetimeSeconds;
  }

  get current(): PortMapping | undefined {
    return this.mapping;
  }

  get gateway(): UpnpIgd | undefined {
    return this.igd;
  }

  async start(): Promise<PortMapping> {
    this.igd ??= await discoverIgd(this.options.discovery);
    const m = await this.create();
    this.options.onEvent?.({ kind: "mapped", mapping: m });
    return m;
  }

  renewNow(): void {
    clearTimeout(this.timer);
    void this.refresh();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    const m = this.mapping;
    this.mapping = undefined;
    if (m !== undefined && this.igd !== undefined) {
      try {
        await this.call("DeletePortMapping", [
          ["NewRemoteHost", ""],
          ["NewExternalPort", m.externalPort],
          ["NewProtocol", m.protocol.toUpperCase()],
        ]);
      } catch {
        // Best effort on shutdown: the lease runs out anyway.
      }
    }
    this.options.onEvent?.({ kind: "deleted" });
  }

  release(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  async externalAddress(): Promise<string> {
    const out = await this.call("GetExternalIPAddress", []);
    const ip = out.NewExternalIPAddress ?? "";
    // An empty or 0.0.0.0 answer means the WAN side is down; a mapping would be useless.
    if (isIP(ip) === 0 || ip === "0.0.0.0") throw new PortMappingError("upnp", undefined, "NO_EXTERNAL_ADDRESS", `IGD reports external address "${ip}"`);
    return ip;
  }

  private async create(preferredPort?: number): Promise<PortMapping> {
    const externalAddress = await this.externalAddress();
    const req = this.options.request;
    const want = preferredPort ?? (req.suggestedExternalPort || req.internalPort);
    let port: number | undefined;
    if (this.igd?.serviceType.endsWith("WANIPConnection:2")) {
      try {
        port = await this.withLeaseFallback((lease) => this.addAny(want, lease));
      } catch (e) {
        if (!(e instanceof UpnpError) || e.code !== UpnpErrorCode.InvalidAction) throw e;
      }
    }
    if (port === undefined) port = await this.addFixedWithRetries(want);
    const mapping: PortMapping = {
      method: "upnp",
      protocol: req.protocol,
      internalPort: req.internalPort,
      externalAddress,
      externalPort: port,
      lifetimeSeconds: this.lease,
      obtainedAtMs: this.clock.now(),
    };
    this.mapping = mapping;
    this.schedule();
    return mapping;
  }

  private async addFixedWithRetries(want: number): Promise<number> {
    let port = want;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.withLeaseFallback((lease) => this.add(port, lease));
        return port;
      } catch (e) {
        if (!(e instanceof UpnpError) || e.code !== UpnpErrorCode.ConflictInMappingEntry || attempt >= 3) throw e;
        port = this.options.randomPort?.() ?? 1024 + Math.floor(Math.random() * (65536 - 1024));
      }
    }
  }

  /** Error 725: the router only keeps permanent leases; ask again with lease 0 (and remember it). */
  private async withLeaseFallback<T>(fn: (lease: number) => Promise<T>): Promise<T> {
    try {
      return await fn(this.lease);
    } catch (e) {
      if (!(e instanceof UpnpError) || e.code !== UpnpErrorCode.OnlyPermanentLeasesSupported || this.lease === 0) throw e;
      this.lease = 0;
      return fn(0);
    }
  }

  private async addAny(port: number, lease: number): Promise<number> {
    const out = await this.call("AddAnyPortMapping", this.mappingArgs(port, lease));
    const reserved = Number(out.NewReservedPort);
    if (!Number.isInteger(reserved) || reserved < 1 || reserved > 65535) {
      throw new PortMappingError("upnp", undefined, "BAD_RESPONSE", `AddAnyPortMapping returned port "${out.NewReservedPort ?? ""}"`);
    }
    return reserved;
  }

  private async add(port: number, lease: number): Promise<void> {
    await this.call("AddPortMapping", this.mappingArgs(port, lease));
  }

  private mappingArgs(port: number, lease: number): SoapArgs {
    const req = this.options.request;
    return [
      ["NewRemoteHost", ""],
      ["NewExternalPort", port],
      ["NewProtocol", req.protocol.toUpperCase()],
      ["NewInternalPort", req.internalPort],
      ["NewInternalClient", this.igd?.localAddress ?? ""],
      ["NewEnabled", 1],
      ["NewPortMappingDescription", this.options.description ?? "plug"],
      ["NewLeaseDuration", lease],
    ];
  }

  private schedule(): void {
    clearTimeout(this.timer);
    if (this.stopped) return;
    const delay = this.lease > 0 ? (this.lease * 1000) / 2 : (this.options.permanentRefreshMs ?? 300_000);
    this.timer = setTimeout(() => void this.refresh(), delay);
  }

  /** Re-adds the mapping on the port we hold; if that port is gone to someone else, start over. */
  private async refresh(): Promise<void> {
    const m = this.mapping;
    if (this.stopped) return;
    try {
      if (m === undefined) {
        const again = await this.create();
        this.options.onEvent?.({ kind: "mapped", mapping: again });
        return;
      }
      await this.withLeaseFallback((lease) => this.add(m.externalPort, lease));
      const externalAddress = await this.externalAddress();
      const renewed: PortMapping = { ...m, externalAddress, lifetimeSeconds: this.lease, obtainedAtMs: this.clock.now() };
      if (this.stopped) return;
      this.mapping = renewed;
      this.schedule();
      this.options.onEvent?.({ kind: "mapped", mapping: renewed });
    } catch (e) {
      if (this.stopped) return;
      this.mapping = undefined;
      this.options.onEvent?.({ kind: "lost", reason: e instanceof Error ? e.message : String(e) });
      try {
        // A rebooted IGD may listen on another port (miniupnpd picks one at random): look again.
        if (this.options.igd === undefined) this.igd = await discoverIgd(this.options.discovery);
        const again = await this.create();
        if (!this.stopped) this.options.onEvent?.({ kind: "mapped", mapping: again });
      } catch (e2) {
        if (!this.stopped) this.options.onEvent?.({ kind: "failed", error: e2 instanceof Error ? e2 : new Error(String(e2)) });
      }
    }
  }

  private async call(action: string, args: SoapArgs): Promise<Record<string, string>> {
    const igd = this.igd;
    if (igd === undefined) throw new PortMappingError("upnp", undefined, "NO_IGD", "no IGD discovered");
    const res = await httpRequest(igd.controlUrl, {
      method: "POST",
      headers: { "Content-Type": 'text/xml; charset="utf-8"', SOAPAction: soapActionHeader(igd.serviceType, action) },
      body: encodeSoapRequest(igd.serviceType, action, args),
      timeoutMs: this.options.soapTimeoutMs ?? 5000,
    }).catch((e: unknown) => {
      throw new PortMappingError("upnp", undefined, "HTTP_ERROR", `UPnP ${action}: ${e instanceof Error ? e.message : String(e)}`);
    });
    if (res.status === 200) {
      let out: Record<string, string> | undefined;
      try {
        out = parseSoapResponse(res.body, action);
      } catch {
        out = undefined;
      }
      if (out === undefined) throw new PortMappingError("upnp", undefined, "BAD_RESPONSE", `UPnP ${action}: no ${action}Response`);
      return out;
    }
    let fault;
    try {
      fault = parseSoapFault(res.body);
    } catch {
      fault = undefined;
    }
    if (fault !== undefined) throw new UpnpError(action, fault.code, fault.description);
    throw new PortMappingError("upnp", undefined, "HTTP_ERROR", `UPnP ${action}: HTTP ${res.status}`);
  }
}
