// Writing a PlugConfig back as text, for SaveConfig (wg-quick save_config:
// the wg-quick keys, then what `wg showconf` prints). parseConfig(formatConfig(c))
// gives c back (up to peer line numbers), which the fuzz test checks.
import { formatIp, formatPrefix, keyToBase64, type DeviceSnapshot } from "@plug/wireguard";
import type { AddressAssignment, HostPort, InterfaceConfig, PeerConfig, PlugConfig } from "./types.js";

function hostPort(e: HostPort): string {
  return e.host.includes(":") ? `[${e.host}]:${e.port}` : `${e.host}:${e.port}`;
}

function address(a: AddressAssignment): string {
  return `${formatIp(a.address)}/${a.cidr}`;
}

function interfaceLines(i: InterfaceConfig): string[] {
  const out = ["[Interface]"];
  for (const a of i.addresses) out.push(`Address = ${address(a)}`);
  const dns = [...i.dns, ...i.dnsSearch];
  if (dns.length > 0) out.push(`DNS = ${dns.join(", ")}`);
  if (i.mtu !== undefined) out.push(`MTU = ${i.mtu}`);
  if (i.table !== undefined) out.push(`Table = ${i.table}`);
  if (i.saveConfig !== undefined) out.push(`SaveConfig = ${i.saveConfig}`);
  for (const [key, hooks] of [["PreUp", i.preUp], ["PostUp", i.postUp], ["PreDown", i.preDown], ["PostDown", i.postDown]] as const) {
    for (const h of hooks) out.push(`${key} = ${h}`);
  }
  if (i.coordinator !== undefined) out.push(`Coordinator = ${i.coordinator === "off" ? "off" : hostPort(i.coordinator)}`);
  if (i.coordinatorKey !== undefined) out.push(`CoordinatorKey = ${keyToBase64(i.coordinatorKey)}`);
  if (i.coordinatorWebSocket !== undefined) out.push(`CoordinatorWebSocket = ${i.coordinatorWebSocket}`);
  if (i.portMapping !== undefined) out.push(`PortMapping = ${i.portMapping}`);
  if (i.listenPort !== undefined) out.push(`ListenPort = ${i.listenPort}`);
  if (i.fwmark !== undefined) out.push(`FwMark = ${i.fwmark === 0 ? "off" : `0x${i.fwmark.toString(16)}`}`);
  if (i.privateKey !== undefined) out.push(`PrivateKey = ${keyToBase64(i.privateKey)}`);
  return out;
}

function peerLines(p: PeerConfig): string[] {
  const out = ["", "[Peer]", `PublicKey = ${keyToBase64(p.publicKey)}`];
  if (p.presharedKey !== undefined) out.push(`PresharedKey = ${keyToBase64(p.presharedKey)}`);
  if (p.allowedIps.length > 0) out.push(`AllowedIPs = ${p.allowedIps.map(formatPrefix).join(", ")}`);
  if (p.endpoint !== undefined) out.push(`Endpoint = ${hostPort(p.endpoint)}`);
  if (p.persistentKeepalive !== undefined) out.push(`PersistentKeepalive = ${p.persistentKeepalive === 0 ? "off" : p.persistentKeepalive}`);
  return out;
}

export function formatConfig(cfg: PlugConfig): string {
  return [...interfaceLines(cfg.iface), ...cfg.peers.flatMap(peerLines)].join("\n") + "\n";
}

/**
 * The config to save on the way down: the file's own wg-quick keys, the
 * addresses the interface has now, and the device's live state (as
 * `wg showconf` reports it) in place of the file's device keys and peers.
 */
export function configFromDevice(cfg: PlugConfig, device: DeviceSnapshot, addresses: AddressAssignment[], mtu?: number): PlugConfig {
  const { privateKey: _p, listenPort: _l, fwmark: _f, ...wgQuickKeys } = cfg.iface;
  const iface: InterfaceConfig = { ...wgQuickKeys, addresses };
  if (cfg.iface.mtu !== undefined && mtu !== undefined) iface.mtu = mtu;
  if (device.privateKey) iface.privateKey = device.privateKey;
  if (device.listenPort !== 0) iface.listenPort = device.listenPort;
  if (device.fwmark !== 0) iface.fwmark = device.fwmark;
  const peers = device.peers.map((p): PeerConfig => {
    const peer: PeerConfig = { publicKey: p.publicKey, allowedIps: [...p.allowedIps], line: 0 };
    if (p.presharedKey) peer.presharedKey = p.presharedKey;
    if (p.endpoint) peer.endpoint = { host: p.endpoint.address, port: p.endpoint.port };
    if (p.persistentKeepalive !== 0) peer.persistentKeepalive = p.persistentKeepalive;
    return peer;
  });
  return { path: cfg.path, iface, peers };
}
