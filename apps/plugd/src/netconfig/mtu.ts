// wg-quick's MTU choice (set_mtu_up): the configured MTU, else the largest MTU
// of the routes towards the peers' endpoints (or of the default route when
// there are none) minus 80, the worst-case IPv6 + UDP + WireGuard overhead;
// 1500 - 80 = 1420 when nothing is known. wg-quick takes the largest, not the
// smallest, of the endpoint route MTUs; we follow its code.
import type { CommandRunner } from "./runner.js";

export const WIREGUARD_OVERHEAD = 80;
export const FALLBACK_LINK_MTU = 1500;

/** The MTU in `ip route` output, or that of the device the route uses. */
async function mtuOfRoute(output: string, run: CommandRunner): Promise<number> {
  const direct = /\bmtu (?:lock )?([0-9]+)/.exec(output);
  if (direct?.[1]) return Number(direct[1]);
  const dev = /\bdev (\S+)/.exec(output)?.[1];
  if (dev === undefined) return 0;
  try {
    const link = await run("ip", ["link", "show", "dev", dev]);
    return Number(/\bmtu ([0-9]+)/.exec(link.stdout)?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** `endpointAddresses`: numeric addresses of the peers' endpoints (no zone, no port). */
export async function automaticMtu(endpointAddresses: readonly string[], run: CommandRunner): Promise<number> {
  let mtu = 0;
  for (const address of endpointAddresses) {
    let output = "";
    try {
      output = (await run("ip", ["route", "get", address])).stdout;
    } catch {
      continue; // no route to this endpoint (yet)
    }
    mtu = Math.max(mtu, await mtuOfRoute(output, run));
  }
  if (mtu === 0) {
    try {
      const first = (await run("ip", ["route", "show", "default"])).stdout.split("\n")[0] ?? "";
      mtu = await mtuOfRoute(first, run);
    } catch {
      // no default route
    }
  }
  return (mtu > 0 ? mtu : FALLBACK_LINK_MTU) - WIREGUARD_OVERHEAD;
}
