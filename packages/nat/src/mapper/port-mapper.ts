// PortMapper: asks the default gateway by every method at once, keeps the
// best mapping that worked (PCP > NAT-PMP > UPnP: the first two have epochs
// that reveal reboots and explicit lifetimes), deletes the others, follows
// the keeper's renewals, and probes again later if everything fails.
import { defaultGateways } from "../gateway/routes.js";
import type { MappingEventListener, MappingKeeper } from "../mapping/keeper.js";
import type { MappingEvent, MappingMethod, MappingRequest, PortMapping } from "../mapping/types.js";
import { PmpPcpClient } from "../pmp-pcp/client.js";
import { PortMappingError } from "../pmp-pcp/errors.js";
import { UpnpClient } from "../upnp/client.js";
import type { Clock } from "../time/clock.js";

export interface PortMapperOptions {
  readonly request: MappingRequest;
  /** IPv4 gateway; default: the best default route in /proc/net/route. */
  readonly gateway?: string;
  /** Methods to try; default all three. */
  readonly methods?: readonly MappingMethod[];
  /** How long the probe waits for a better method once one has succeeded, and in total. */
  readonly probeTimeoutMs?: number;
  /** Delay before probing again after every method failed or the mapping was lost for good. */
  readonly retryMs?: number;
  readonly onEvent?: MappingEventListener;
  readonly clock?: Clock;
  readonly description?: string;
}

const RANK: Readonly<Record<MappingMethod, number>> = { pcp: 0, "nat-pmp": 1, upnp: 2 };

interface Probe {
  readonly keeper: MappingKeeper;
  readonly family: "pmp-pcp" | "upnp";
  result: PortMapping | undefined;
  error: Error | undefined;
  settled: boolean;
}

export class PortMapper {
  private keeper: MappingKeeper | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  private readonly errors: Error[] = [];

  constructor(private readonly options: PortMapperOptions) {}

  get current(): PortMapping | undefined {
    return this.keeper?.current;
  }

  /** Why the last probe found nothing (one error per method). */
  get lastErrors(): readonly Error[] {
    return this.errors;
  }

  /** Probes; resolves with the kept mapping, or undefined when no method worked (a retry is scheduled). */
  async start(): Promise<PortMapping | undefined> {
    const gateway = this.options.gateway ?? (await defaultGateways()).v4[0]?.gateway;
    if (gateway === undefined) {
      this.errors.splice(0, this.errors.length, new PortMappingError("pcp", undefined, "NO_GATEWAY", "no IPv4 default route"));
      this.scheduleRetry();
      return undefined;
    }
    const probes = this.createProbes(gateway);
    const winner = await this.race(probes);
    this.errors.splice(0, this.errors.length, ...probes.flatMap((p) => (p.error ? [p.error] : [])));
    // Losers must not leave mappings behind; late successes are dropped as they arrive.
    for (const p of probes) if (p.keeper !== winner) this.dropLoser(p.keeper, winner);
    if (this.stopped) {
      await winner?.stop();
      return undefined;
    }
    if (winner === undefined) {
      this.scheduleRetry();
      return undefined;
    }
    this.keeper = winner;
    const m = winner.current;
    if (m) this.options.onEvent?.({ kind: "mapped", mapping: m });
    return m;
  }

  renewNow(): void {
    this.keeper?.renewNow();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    const k = this.keeper;
    this.keeper = undefined;
    await k?.stop();
  }

  private createProbes(gateway: string): Probe[] {
    const methods = this.options.methods ?? ["pcp", "nat-pmp", "upnp"];
    const probes: Probe[] = [];
    const forward = (probe: () => Probe | undefined) => (e: MappingEvent) => this.onKeeperEvent(probe(), e);
    const pmpProtocols = methods.filter((m): m is "pcp" | "nat-pmp" => m === "pcp" || m === "nat-pmp");
    if (pmpProtocols.length > 0) {
      const ref: { probe?: Probe } = {};
      const keeper = new PmpPcpClient({
        gateway,
        request: this.options.request,
        protocols: pmpProtocols,
        // Bounded so the race ends in seconds; the RFC schedules are for a single protocol.
        pcpGiveUpMs: 4000,
        natPmpTries: 5,
        onEvent: forward(() => ref.probe),
        ...(this.options.clock ? { clock: this.options.clock } : {}),
      });
      ref.probe = { keeper, family: "pmp-pcp", result: undefined, error: undefined, settled: false };
      probes.push(ref.probe);
    }
    if (methods.includes("upnp")) {
      const ref: { probe?: Probe } = {};
      const keeper = new UpnpClient({
        request: this.options.request,
        discovery: { gateway, timeoutMs: 5000 },
        onEvent: forward(() => ref.probe),
        ...(this.options.description !== undefined ? { description: this.options.description } : {}),
        ...(this.options.clock ? { clock: this.options.clock } : {}),
      });
      ref.probe = { keeper, family: "upnp", result: undefined, error: undefined, settled: false };
      probes.push(ref.probe);
    }
    return probes;
  }

  /** Resolves with the best keeper once nothing better can still arrive, or at the probe timeout. */
  private race(probes: Probe[]): Promise<MappingKeeper | undefined> {
    const timeoutMs = this.options.probeTimeoutMs ?? 15_000;
    return new Promise((resolve) => {
      let done = false;
      const best = (): Probe | undefined =>
        probes.filter((p) => p.result).sort((a, b) => RANK[a.result?.method ?? "upnp"] - RANK[b.result?.method ?? "upnp"])[0];
      const decide = (force: boolean): void => {
        if (done) return;
        const b = best();
        // Anything unsettled that could still beat the best we have?
        const waiting = probes.some((p) => !p.settled && (b === undefined || (p.family === "pmp-pcp" && b.family === "upnp")));
        if (waiting && !force) return;
        done = true;
        clearTimeout(timer);
        resolve(b?.keeper);
      };
      const timer = setTimeout(() => decide(true), timeoutMs);
      for (const p of probes) {
        p.keeper.start().then(
          (m) => {
            p.result = m;
            p.settled = true;
            if (done) this.dropLoser(p.keeper, this.keeper);
            decide(false);
          },
          (e: unknown) => {
            p.error = e instanceof Error ? e : new Error(String(e));
            p.settled = true;
            decide(false);
          },
        );
      }
    });
  }

  /**
   * A gateway may have merged both requests into one entry (same internal
   * client and port, same external port): deleting the loser's would delete
   * the winner's, so such a duplicate is only released.
   */
  private dropLoser(loser: MappingKeeper, winner: MappingKeeper | undefined): void {
    const l = loser.current;
    const w = winner?.current;
    if (l !== undefined && w !== undefined && l.externalPort === w.externalPort && l.protocol === w.protocol) loser.release();
    else void loser.stop();
  }

  private onKeeperEvent(probe: Probe | undefined, e: MappingEvent): void {
    // Only the kept mapping's life is news; probe-time events are summarised by start().
    if (probe === undefined || probe.keeper !== this.keeper || this.stopped) return;
    if (e.kind === "failed") {
      const k = this.keeper;
      this.keeper = undefined;
      void k?.stop();
      this.options.onEvent?.(e);
      this.scheduleRetry();
      return;
    }
    if (e.kind !== "deleted") this.options.onEvent?.(e);
  }

  private scheduleRetry(): void {
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.start(), this.options.retryMs ?? 60_000);
  }
}

