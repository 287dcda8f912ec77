// /metrics in the Prometheus text exposition format.
import type { CoordCore } from "../core/coord-core.js";
import { DropReason } from "../core/metrics.js";

export function renderMetrics(core: CoordCore, extra: { wsConnections: number }): string {
  const m = core.metrics;
  const lines: string[] = [];
  const metric = (name: string, type: "counter" | "gauge", help: string, value: number, labels = ""): void => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, `${name}${labels} ${value}`);
  };
  metric("coordd_registrations_total", "counter", "Accepted REGISTER messages (new and refresh).", m.registrations);
  metric("coordd_registrations_refused_total", "counter", "REGISTER refused by a cap (rid full, too many rids).", m.registrationsRefused);
  metric("coordd_cookie_replies_total", "counter", "REGISTER answered with a fresh cookie.", m.cookieReplies);
  metric("coordd_sessions_created_total", "counter", "Client link sessions created.", m.sessionsCreated);
  metric("coordd_rids_paired_total", "counter", "Rendezvous ids that got their second registrant.", m.ridsPaired);
  metric("coordd_pushes_total", "counter", "PUSH messages sent.", m.pushes);
  metric("coordd_relay_packets_total", "counter", "Relay frames forwarded.", m.relayPackets);
  metric("coordd_relay_bytes_total", "counter", "Relay bytes forwarded.", m.relayBytes);
  metric("coordd_stun_requests_total", "counter", "STUN requests received.", m.stunRequests);
  metric("coordd_stun_responses_total", "counter", "STUN answers sent.", m.stunResponses);
  metric("coordd_rate_limited_sources_total", "counter", "Times a source IP went over its rate limit.", m.rateLimitedSources);
  lines.push("# HELP coordd_dropped_total Messages dropped, by reason.", "# TYPE coordd_dropped_total counter");
  for (const reason of Object.values(DropReason)) lines.push(`coordd_dropped_total{reason="${reason}"} ${m.dropped(reason)}`);
  metric("coordd_rids", "gauge", "Rendezvous ids registered now.", core.registeredRids);
  metric("coordd_rids_paired", "gauge", "Rendezvous ids with both sides registered now.", core.pairedRids);
  metric("coordd_sessions", "gauge", "Client link sessions held now.", core.sessionCount);
  metric("coordd_websocket_connections", "gauge", "Open WebSocket connections.", extra.wsConnections);
  const mem = process.memoryUsage();
  const cpu = process.cpuUsage();
  metric("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", mem.rss);
  metric("process_heap_bytes", "gauge", "V8 heap used in bytes.", mem.heapUsed);
  metric("process_cpu_seconds_total", "counter", "User and system CPU time in seconds.", (cpu.user + cpu.system) / 1e6);
  metric("process_start_time_seconds", "gauge", "Start time of the process since the epoch in seconds.", Math.floor(Date.now() / 1000 - process.uptime()));
  return lines.join("\n") + "\n";
}
