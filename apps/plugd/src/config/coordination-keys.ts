// plugd's [Interface] keys for coordination (rendezvous via coordd, port
// mapping); apps/plugd/src/coordination acts on them.
//
//   Coordinator          = host:port | [IPv6]:port | off
//   CoordinatorKey       = base64 public key of the coordinator (44 characters)
//   CoordinatorWebSocket = ws://... or wss://... URL of the WebSocket relay
//   PortMapping          = auto | upnp | natpmp | pcp | off   (true/false = auto/off)
//   MetricsListen        = IP:port of an opt-in Prometheus /metrics endpoint
//
// These keys are plugd's own: `wg setconf` would reject them, exactly as it
// rejects wg-quick's Address or DNS.
import { isIP } from "node:net";
import { ValueError } from "./error.js";
import type { KeySpec } from "./key-spec.js";
import type { InterfaceConfig } from "./types.js";
import { parseHostPort, parseKey } from "./values.js";

function parseWebSocketUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ValueError("must be a ws:// or wss:// URL");
  }
  if ((url.protocol !== "ws:" && url.protocol !== "wss:") || url.hostname === "") {
    throw new ValueError("must be a ws:// or wss:// URL");
  }
  if (url.username !== "" || url.password !== "") throw new ValueError("must not carry credentials");
  return url.toString();
}

export const coordinationKeys: KeySpec<InterfaceConfig>[] = [
  {
    name: "Coordinator",
    repeatable: false,
    value: "compact",
    apply(v, t) {
      t.coordinator = v.toLowerCase() === "off" ? "off" : parseHostPort(v);
    },
  },
  {
    name: "CoordinatorKey",
    repeatable: false,
    value: "compact",
    apply(v, t) {
      t.coordinatorKey = parseKey(v);
    },
  },
  {
    name: "CoordinatorWebSocket",
    repeatable: false,
    value: "compact",
    apply(v, t) {
      t.coordinatorWebSocket = parseWebSocketUrl(v);
    },
  },
  {
    // Opt-in Prometheus endpoint: host:port to listen on (plain HTTP, GET /metrics).
    name: "MetricsListen",
    repeatable: false,
    value: "compact",
    apply(v, t) {
      const hp = parseHostPort(v);
      if (!isIP(hp.host)) throw new ValueError("must be an IP address and port (e.g. 127.0.0.1:9586)");
      t.metricsListen = hp;
    },
  },
  {
    name: "PortMapping",
    repeatable: false,
    value: "compact",
    apply(v, t) {
      const m = v.toLowerCase();
      if (m === "auto" || m === "true") t.portMapping = "auto";
      else if (m === "off" || m === "false") t.portMapping = "off";
      else if (m === "upnp" || m === "natpmp" || m === "pcp") t.portMapping = m;
      else throw new ValueError("must be auto, upnp, natpmp, pcp or off");
    },
  },
];
