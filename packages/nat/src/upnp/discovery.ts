// Finding the IGD: M-SEARCH unicast to the default gateway first (cheap, and
// works where multicast is filtered), then multicast; the first description
// that names a WAN connection service wins.
import { createSocket } from "node:dgram";
import { PortMappingError, PortMappingTimeoutError } from "../pmp-pcp/errors.js";
import { findWanService, type WanService } from "./description.js";
import { httpRequest } from "./http.js";
import { encodeMSearch, IGD_SEARCH_TARGETS, parseSsdpResponse, SSDP_MULTICAST, SSDP_PORT } from "./ssdp.js";

export interface UpnpIgd extends WanService {
  readonly location: string;
  /** Our address towards the IGD: the NewInternalClient of our mappings. */
  readonly localAddress: string;
}

export interface DiscoverIgdOptions {
  /** Default gateway to ask by unicast first. */
  readonly gateway?: string;
  readonly timeoutMs?: number;
  /** How long unicast gets before multicast is tried too. */
  readonly unicastHeadStartMs?: number;
}

export interface SsdpStats {
  /** Datagrams that were not valid search responses. */
  malformed: number;
  /** Valid responses whose LOCATION pointed away from the responder, or whose description was unusable. */
  rejected: number;
}

export function discoverIgd(options: DiscoverIgdOptions = {}, stats: SsdpStats = { malformed: 0, rejected: 0 }): Promise<UpnpIgd> {
  const timeoutMs = options.timeoutMs ?? 5000;
  return new Promise<UpnpIgd>((resolve, reject) => {
    const socket = createSocket("udp4");
    const tried = new Set<string>();
    let settled = false;
    let lastError: Error | undefined;
    const timers: ReturnType<typeof setTimeout>[] = [];
    const finish = (err: Error | undefined, igd?: UpnpIgd): void => {
      if (settled) return;
      settled = true;
      timers.forEach(clearTimeout);
      socket.close();
      if (igd) resolve(igd);
      else reject(err ?? new PortMappingTimeoutError("upnp", "no UPnP IGD answered"));
    };
    const search = (host: string): void => {
      for (const st of IGD_SEARCH_TARGETS) socket.send(encodeMSearch(st), SSDP_PORT, host, () => undefined);
    };
    socket.on("error", (e) => finish(new PortMappingError("upnp", undefined, "SOCKET_ERROR", e.message)));
    socket.on("message", (msg, rinfo) => {
      const r = parseSsdpResponse(new Uint8Array(msg));
      if (r === undefined) {
        stats.malformed++;
        return;
      }
      if (tried.has(r.location)) return;
      tried.add(r.location);
      if (new URL(r.location).hostname !== rinfo.address) {
        stats.rejected++;
        return;
      }
      httpRequest(r.location, { timeoutMs: Math.min(timeoutMs, 5000) })
        .then((res) => {
          if (res.status !== 200) throw new Error(`description fetch: HTTP ${res.status}`);
          const service = findWanService(res.body, r.location);
          if (service === undefined) throw new Error("no WAN connection service in the description");
          finish(undefined, { ...service, location: r.location, localAddress: res.localAddress });
        })
        .catch((e: unknown) => {
          stats.rejected++;
          lastError = e instanceof Error ? e : new Error(String(e));
        });
    });
    socket.bind(0, () => {
      if (options.gateway !== undefined) search(options.gateway);
      timers.push(setTimeout(() => search(SSDP_MULTICAST), options.gateway !== undefined ? (options.unicastHeadStartMs ?? 500) : 0));
      timers.push(
        setTimeout(
          () => finish(lastError ? new PortMappingError("upnp", undefined, "BAD_IGD", `UPnP IGD unusable: ${lastError.message}`) : undefined),
          timeoutMs,
        ),
      );
    });
  });
}
