// RFC 5780 §4.3/§4.4 NAT behaviour discovery. The tests are inherently
// sequential request/response exchanges, so this is written against an
// abstract `binding` function: the StunClient in production, a scripted one
// in unit tests. All requests must leave from the same local socket.
import { sameEndpoint, type Endpoint } from "@plug/wireguard/net";
import type { BindingOptions, BindingResult } from "./client.js";
import { StunError, StunTimeoutError } from "./client.js";

export type MappingBehavior = "endpoint-independent" | "address-dependent" | "address-and-port-dependent";
export type FilteringBehavior = "endpoint-independent" | "address-dependent" | "address-and-port-dependent";

export interface NatBehavior {
  /** The mapping seen from the primary address (test I). */
  readonly mapped: Endpoint;
  /** True when the mapped address equals the local one: no NAT in the path. */
  readonly noNat: boolean;
  readonly mapping: MappingBehavior;
  readonly filtering: FilteringBehavior;
}

export type BindingFn = (server: Endpoint, opts?: BindingOptions) => Promise<BindingResult>;

export interface DiscoveryOptions {
  /** Local address of the socket, to detect "no NAT" (optional). */
  readonly local?: Endpoint;
  /**
   * Retransmission for the filtering tests, where silence is the expected
   * answer: the full RFC 5389 schedule (39.5 s) would make discovery crawl.
   */
  readonly filteringProbe?: Pick<BindingOptions, "rtoMs" | "rc" | "rm">;
}

export class BehaviorDiscoveryError extends StunError {}

export async function discoverNatBehavior(binding: BindingFn, server: Endpoint, options: DiscoveryOptions = {}): Promise<NatBehavior> {
  const first = await binding(server);
  const other = first.otherAddress;
  if (other === undefined) throw new BehaviorDiscoveryError("server gave no OTHER-ADDRESS: RFC 5780 not supported");
  if (other.address === server.address) throw new BehaviorDiscoveryError("OTHER-ADDRESS has the same IP as the server");
  const noNat = options.local !== undefined && sameEndpoint(first.mapped, options.local);

  // Mapping: test II to the alternate IP (primary port), test III to the alternate IP and port.
  let mapping: MappingBehavior;
  if (noNat) {
    mapping = "endpoint-independent";
  } else {
    const second = await binding({ ...other, port: server.port });
    if (sameEndpoint(second.mapped, first.mapped)) {
      mapping = "endpoint-independent";
    } else {
      const third = await binding(other);
      mapping = sameEndpoint(third.mapped, second.mapped) ? "address-dependent" : "address-and-port-dependent";
    }
  }

  // Filtering: ask the primary to answer from the alternate IP and port, then from the alternate port only.
  const probe = options.filteringProbe ?? { rtoMs: 500, rc: 3, rm: 4 };
  let filtering: FilteringBehavior;
  if (await answered(binding(server, { ...probe, changeIp: true, changePort: true }))) {
    filtering = "endpoint-independent";
  } else if (await answered(binding(server, { ...probe, changePort: true }))) {
    filtering = "address-dependent";
  } else {
    filtering = "address-and-port-dependent";
  }
  return { mapped: first.mapped, noNat, mapping, filtering };
}

async function answered(p: Promise<BindingResult>): Promise<boolean> {
  try {
    await p;
    return true;
  } catch (e) {
    if (e instanceof StunTimeoutError) return false;
    throw e;
  }
}
