// Renders a DeviceSnapshot as a UAPI `get` reply, in wireguard-go's key order
// (device/uapi.go IpcGetOperation), ending with errno=0 and the blank line `wg`
// requires (WIREGUARD.md §9.4).
import type { DeviceSnapshot, PeerSnapshot } from "../device/control.js";
import { formatEndpoint, formatIp, parseIp, type Endpoint, type Prefix } from "../net/address.js";
import { keyToHex } from "../crypto/keys.js";

const ZERO_KEY_HEX = "0".repeat(64);

export function formatGet(snapshot: DeviceSnapshot): string {
  const out: string[] = [];
  if (snapshot.privateKey !== null) out.push(`private_key=${keyToHex(snapshot.privateKey)}`);
  if (snapshot.listenPort !== 0) out.push(`listen_port=${snapshot.listenPort}`);
  if (snapshot.fwmark !== 0) out.push(`fwmark=${snapshot.fwmark}`);
  for (const peer of snapshot.peers) formatPeer(peer, out);
  out.push("errno=0");
  return `${out.join("\n")}\n\n`;
}

function formatPeer(peer: PeerSnapshot, out: string[]): void {
  out.push(`public_key=${keyToHex(peer.publicKey)}`);
  // wireguard-go always prints the PSK, 64 zeros meaning none.
  out.push(`preshared_key=${peer.presharedKey === null ? ZERO_KEY_HEX : keyToHex(peer.presharedKey)}`);
  out.push("protocol_version=1");
  if (peer.endpoint !== null) out.push(`endpoint=${goEndpoint(peer.endpoint)}`);
  out.push(`last_handshake_time_sec=${peer.lastHandshake?.sec ?? 0}`);
  out.push(`last_handshake_time_nsec=${peer.lastHandshake?.nsec ?? 0}`);
  out.push(`tx_bytes=${peer.txBytes}`);
  out.push(`rx_bytes=${peer.rxBytes}`);
  out.push(`persistent_keepalive_interval=${peer.persistentKeepalive}`);
  for (const prefix of peer.allowedIps) out.push(`allowed_ip=${goPrefix(prefix)}`);
}

/** Go's netip prints IPv4-mapped IPv6 addresses with a dotted tail ("::ffff:1.2.3.4"). */
function goIp(bytes: Uint8Array): string {
  if (bytes.length === 16 && bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) {
    return `::ffff:${Array.from(bytes.subarray(12)).join(".")}`;
  }
  return formatIp(bytes);
}

function goPrefix(prefix: Prefix): string {
  return `${goIp(prefix.bytes)}/${prefix.cidr}`;
}

/** Canonical text whatever spelling the endpoint was configured with, as netip.AddrPort.String. */
function goEndpoint(endpoint: Endpoint): string {
  if (endpoint.family === 4) return formatEndpoint(endpoint);
  const zone = endpoint.address.indexOf("%");
  const host = goIp(parseIp(endpoint.address)) + (zone < 0 ? "" : endpoint.address.slice(zone));
  return `[${host}]:${endpoint.port}`;
}
