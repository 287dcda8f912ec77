// Prometheus text exposition (format 0.0.4) of one interface's status: what
// an operator graphs and alerts on — paths per peer, handshake age, traffic,
// the coordinator link, and every drop counter.
import type { InterfaceStatus } from "../coordination/status.js";
import type { CoreStats } from "@plug/wireguard";

const PATHS = ["lan", "direct", "mapped", "relay-udp", "relay-ws", "none"] as const;

function label(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

export function renderMetrics(s: InterfaceStatus, core: CoreStats, nowSeconds: number): string {
  const out: string[] = [];
  const metric = (name: string, type: "gauge" | "counter", help: string, rows: Array<[string, number]>): void => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of rows) out.push(`${name}${labels === "" ? "" : `{${labels}}`} ${Number.isFinite(value) ? value : 0}`);
  };
  const iface = `interface="${label(s.interface)}"`;
  metric("plugd_peers", "gauge", "Configured peers.", [[iface, s.peers.length]]);
  metric(
    "plugd_peer_path",
    "gauge",
    "1 for the path each peer uses now (lan, direct, mapped, relay-udp, relay-ws, none).",
    s.peers.flatMap((p) => PATHS.map((path): [string, number] => [`${iface},peer="${label(p.publicKey)}",path="${path}"`, p.path === path ? 1 : 0])),
  );
  metric("plugd_peer_rtt_seconds", "gauge", "Round-trip time of the verified path in use (absent: not measured).", s.peers.filter((p) => p.rttMs !== null).map((p) => [`${iface},peer="${label(p.publicKey)}"`, (p.rttMs ?? 0) / 1000]));
  metric(
    "plugd_peer_last_handshake_seconds",
    "gauge",
    "Seconds since the last completed handshake (absent: never).",
    s.peers.filter((p) => p.lastHandshake !== null && p.lastHandshake > 0).map((p) => [`${iface},peer="${label(p.publicKey)}"`, nowSeconds - (p.lastHandshake ?? 0)]),
  );
  metric("plugd_peer_receive_bytes_total", "counter", "Bytes received from the peer (WireGuard messages).", s.peers.map((p) => [`${iface},peer="${label(p.publicKey)}"`, Number(p.rxBytes)]));
  metric("plugd_peer_transmit_bytes_total", "counter", "Bytes sent to the peer (WireGuard messages).", s.peers.map((p) => [`${iface},peer="${label(p.publicKey)}"`, Number(p.txBytes)]));
  const c = s.coordinator;
  if (c !== null) {
    metric("plugd_coordinator_reachable", "gauge", "1 when the coordinator answered within the last refresh period.", [[`${iface},transport="${c.transport}"`, c.reachable ? 1 : 0]]);
    metric("plugd_coordinator_registers_sent_total", "counter", "REGISTER messages sent to the coordinator.", [[iface, c.registersSent]]);
    metric("plugd_coordinator_pushes_total", "counter", "Pushes received from the coordinator.", [[iface, c.pushes]]);
  }
  metric("plugd_port_mapping_active", "gauge", "1 while a port mapping is held, by method.", [[`${iface},method="${label(s.portMapping.method ?? "none")}"`, s.portMapping.method === null ? 0 : 1]]);
  metric(
    "plugd_dropped_total",
    "counter",
    "Input dropped, by reason (WireGuard core and coordination layer).",
    [...Object.entries(core), ...Object.entries(s.drops)].map(([reason, n]) => [`${iface},reason="${label(reason)}"`, n]),
  );
  return `${out.join("\n")}\n`;
}
