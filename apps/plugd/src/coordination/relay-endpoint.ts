// A relayed peer appears to the WireGuard core as a virtual endpoint in
// 100::/64, the IPv6 discard-only prefix (RFC 6666): nothing real can ever
// live there, the core's roaming and `wg show` keep working unchanged, and the
// device hands every send to such an address back to the coordination layer,
// which wraps it in a RELAY frame for the pair's channel.
import type { Endpoint } from "@plug/wireguard";

const PREFIX = "100:0:0:0:";

export function relayEndpoint(channel: Uint8Array): Endpoint {
  const hex = Buffer.from(channel).toString("hex");
  const groups = [0, 4, 8, 12].map((i) => hex.slice(i, i + 4).replace(/^0+(?=.)/, ""));
  return { family: 6, address: `${PREFIX}${groups.join(":")}`, port: 0 };
}

export function isRelayEndpoint(e: Endpoint): boolean {
  return e.family === 6 && e.port === 0 && e.address.startsWith(PREFIX);
}

/** The channel hex behind a virtual endpoint (the map key the coordination layer uses). */
export function relayChannelKey(e: Endpoint): string {
  return e.address
    .slice(PREFIX.length)
    .split(":")
    .map((g) => g.padStart(4, "0"))
    .join("");
}
