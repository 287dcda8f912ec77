// What this host's NAT does, measured from the WireGuard socket against
// coordd's STUN service (RFC 5780 when coordd has a second address; with one
// address only, the two ports still tell endpoint-independent mapping from
// endpoint-dependent). The mapping kind decides who guesses ports when one
// side is behind an endpoint-dependent NAT.
import { BehaviorDiscoveryError, discoverNatBehavior, StunError, type BindingFn } from "@plug/nat";
import { NatBehavior, type NatBehavior as NatBehaviorCode } from "@plug/protocol";
import type { Endpoint } from "@plug/wireguard";

export type BehaviorName = "endpoint-independent" | "address-dependent" | "address-and-port-dependent" | "unknown";

export interface NatReport {
  readonly publicEndpoint: Endpoint | null;
  readonly noNat: boolean;
  readonly mapping: BehaviorName;
  readonly filtering: BehaviorName;
  readonly error?: string;
  readonly measuredAt: number;
}

const CODE: Record<BehaviorName, NatBehaviorCode> = {
  unknown: NatBehavior.Unknown,
  "endpoint-independent": NatBehavior.EndpointIndependent,
  "address-dependent": NatBehavior.AddressDependent,
  "address-and-port-dependent": NatBehavior.AddressAndPortDependent,
};

export function behaviorCode(name: BehaviorName): NatBehaviorCode {
  return CODE[name];
}

const QUICK = { rtoMs: 250, rc: 4, rm: 4 };

export async function probeNat(binding: BindingFn, server: Endpoint, isLocal: (e: Endpoint) => boolean, now: () => number): Promise<NatReport> {
  const quick: BindingFn = (s, o) => binding(s, { ...QUICK, ...o });
  try {
    const r = await discoverNatBehavior(quick, server, { filteringProbe: { rtoMs: 250, rc: 2, rm: 3 } });
    const noNat = isLocal(r.mapped);
    return { publicEndpoint: r.mapped, noNat, mapping: r.mapping, filtering: noNat ? "endpoint-independent" : r.filtering, measuredAt: now() };
  } catch (err) {
    if (!(err instanceof BehaviorDiscoveryError)) {
      const message = err instanceof StunError ? err.message : String(err);
      return { publicEndpoint: null, noNat: false, mapping: "unknown", filtering: "unknown", error: message, measuredAt: now() };
    }
  }
  // coordd without a second address: compare the mappings seen by its two ports.
  try {
    const first = await quick(server);
    const other = first.otherAddress;
    const noNat = isLocal(first.mapped);
    if (other === undefined || other.port === server.port) {
      return { publicEndpoint: first.mapped, noNat, mapping: "unknown", filtering: "unknown", measuredAt: now() };
    }
    const second = await quick({ ...server, port: other.port });
    const same = second.mapped.address === first.mapped.address && second.mapped.port === first.mapped.port;
    return {
      publicEndpoint: first.mapped,
      noNat,
      mapping: noNat || same ? "endpoint-independent" : "address-and-port-dependent",
      filtering: noNat ? "endpoint-independent" : "unknown",
      measuredAt: now(),
    };
  } catch (err) {
    return { publicEndpoint: null, noNat: false, mapping: "unknown", filtering: "unknown", error: err instanceof Error ? err.message : String(err), measuredAt: now() };
  }
}
