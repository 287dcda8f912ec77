// Human-readable renderings of status and netcheck, in `wg show`'s style.
import type { InterfaceStatus, PeerStatus } from "../coordination/status.js";

function ago(unixSeconds: number | null, nowSeconds: number): string {
  if (unixSeconds === null || unixSeconds === 0) return "never";
  const s = Math.max(0, Math.round(nowSeconds - unixSeconds));
  if (s < 60) return `${s} second${s === 1 ? "" : "s"} ago`;
  const m = Math.floor(s / 60);
  return `${m} minute${m === 1 ? "" : "s"}, ${s % 60} seconds ago`;
}

function bytes(text: string): string {
  const n = Number(text);
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(2)} ${units[i] ?? "TiB"}`;
}

function natLine(s: InterfaceStatus): string {
  if (s.nat === null) return "not measured yet";
  if (s.nat.noNat) return `none (public address ${s.nat.publicEndpoint ?? "?"})`;
  const base = `mapping ${s.nat.mapping}, filtering ${s.nat.filtering}`;
  return `${base}${s.nat.publicEndpoint === null ? "" : `, public ${s.nat.publicEndpoint}`}${s.nat.error === undefined ? "" : ` (${s.nat.error})`}`;
}

function mappingLine(s: InterfaceStatus): string {
  const m = s.portMapping;
  if (m.mode === "off") return "off";
  if (m.method !== null) return `${m.method} ${m.external ?? ""}${m.lifetimeSeconds === 0 ? " (permanent)" : ` (lifetime ${m.lifetimeSeconds ?? "?"} s)`}`;
  return `none${m.error === null ? "" : ` (${m.error})`}`;
}

export function formatStatus(s: InterfaceStatus, nowSeconds = Date.now() / 1000): string {
  const lines = [`interface: ${s.interface}`, `  listening port: ${s.listenPort}`];
  const c = s.coordinator;
  if (c === null) lines.push("  coordinator: off");
  else {
    const state = c.reachable ? `reachable, last answer ${c.lastAckSecondsAgo ?? "?"} s ago` : "not answering";
    lines.push(`  coordinator: ${c.address} over ${c.transport === "ws" ? "WebSocket" : "UDP"} (${state})${c.observed === null ? "" : `, sees us as ${c.observed}`}`);
    lines.push(`  nat: ${natLine(s)}`);
    lines.push(`  port mapping: ${mappingLine(s)}`);
    lines.push(`  network monitor: ${s.networkMonitor}`);
  }
  for (const p of s.peers) lines.push("", ...formatPeer(p, nowSeconds));
  return `${lines.join("\n")}\n`;
}

function formatPeer(p: PeerStatus, nowSeconds: number): string[] {
  const out = [`peer: ${p.publicKey}`, `  path: ${p.path}${p.rttMs === null ? "" : ` (rtt ${p.rttMs} ms)`}`];
  if (p.reason !== undefined) out.push(`  not direct because: ${p.reason}`);
  if (p.endpoint !== null) out.push(`  endpoint: ${p.endpoint}`);
  out.push(`  latest handshake: ${ago(p.lastHandshake, nowSeconds)}`);
  out.push(`  transfer: ${bytes(p.rxBytes)} received, ${bytes(p.txBytes)} sent`);
  if (p.verifiedPaths.length > 0) out.push(`  verified paths: ${p.verifiedPaths.map((v) => `${v.endpoint} ${v.kind} ${v.rttMs} ms`).join("; ")}`);
  return out;
}

export function formatNetcheck(s: InterfaceStatus): string {
  const c = s.coordinator;
  const lines = [`interface: ${s.interface}`];
  if (c === null) return `${lines[0] ?? ""}\n  coordination is off: nothing to measure against\n`;
  lines.push(`  coordinator: ${c.address} (${c.resolved ?? "unresolved"}) over ${c.transport === "ws" ? "WebSocket" : "UDP"}`);
  lines.push(`  UDP: ${s.nat !== null && s.nat.publicEndpoint !== null ? "works" : c.transport === "ws" ? "blocked (WebSocket in use)" : "no STUN answer"}`);
  lines.push(`  public endpoint: ${s.nat?.publicEndpoint ?? c.observed ?? "unknown"}`);
  lines.push(`  nat: ${natLine(s)}`);
  lines.push(`  port mapping: ${mappingLine(s)}`);
  return `${lines.join("\n")}\n`;
}
