// The Prometheus page: every line parses as the text format, each peer has
// exactly one path set to 1, and label values are escaped.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { renderMetrics } from "../src/metrics/render.js";
import type { InterfaceStatus } from "../src/coordination/status.js";

const status: InterfaceStatus = {
  interface: "wg0",
  listenPort: 51820,
  coordinator: { address: "c:3478", resolved: "203.0.113.1:3478", transport: "ws", reachable: true, lastAckSecondsAgo: 1, observed: null, registersSent: 7, pushes: 2 },
  nat: null,
  portMapping: { mode: "auto", method: "pcp", external: "198.51.100.7:51820", lifetimeSeconds: 7200, error: null },
  networkMonitor: "rtnetlink",
  lastNetworkChange: null,
  drops: { probeUnverified: 3 },
  peers: [
    { publicKey: 'k1"\\', path: "relay-ws", endpoint: null, rttMs: null, lastHandshake: 1000, rxBytes: "10", txBytes: "20", verifiedPaths: [], candidates: 0, peerNat: null },
    { publicKey: "k2", path: "lan", endpoint: "192.168.1.2:1", rttMs: 1.5, lastHandshake: null, rxBytes: "0", txBytes: "0", verifiedPaths: [], candidates: 1, peerNat: null },
  ],
};

describe("renderMetrics", () => {
  const text = renderMetrics(status, { rx_replay: 4 }, 1010);
  const samples = text.split("\n").filter((l) => l !== "" && !l.startsWith("#"));

  it("emits only well-formed sample lines", () => {
    for (const l of samples) assert.match(l, /^[a-z_]+(\{([a-z_]+="([^"\\]|\\.)*",?)+\})? -?[0-9.e+-]+$/, l);
  });

  it("sets exactly one path per peer", () => {
    for (const peer of ['k1\\"\\\\', "k2"]) {
      const ones = samples.filter((l) => l.startsWith("plugd_peer_path{") && l.includes(`peer="${peer}"`) && l.endsWith(" 1"));
      assert.equal(ones.length, 1, `${peer}: ${ones.join(" | ")}`);
    }
    assert.ok(samples.includes('plugd_peer_path{interface="wg0",peer="k2",path="lan"} 1'));
  });

  it("reports RTT in seconds, handshake age, link state, mapping and both kinds of drops", () => {
    assert.ok(samples.includes('plugd_peer_rtt_seconds{interface="wg0",peer="k2"} 0.0015'));
    assert.ok(samples.some((l) => l.startsWith("plugd_peer_last_handshake_seconds{") && l.endsWith(" 10")));
    assert.ok(samples.includes('plugd_coordinator_reachable{interface="wg0",transport="ws"} 1'));
    assert.ok(samples.includes('plugd_port_mapping_active{interface="wg0",method="pcp"} 1'));
    assert.ok(samples.includes('plugd_dropped_total{interface="wg0",reason="rx_replay"} 4'));
    assert.ok(samples.includes('plugd_dropped_total{interface="wg0",reason="probeUnverified"} 3'));
  });
});
