// The human-readable renderings `plugd status` and `plugd netcheck` print.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { InterfaceStatus, PeerStatus } from "../src/coordination/status.js";
import { formatNetcheck, formatStatus } from "../src/control/format.js";

const NOW = 1_800_000_000;

function peer(over: Partial<PeerStatus> = {}): PeerStatus {
  return {
    publicKey: "HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8ykw=",
    path: "direct",
    endpoint: "203.0.113.5:40000",
    rttMs: 12.5,
    lastHandshake: NOW - 75,
    rxBytes: "1536",
    txBytes: "3221225472",
    verifiedPaths: [{ endpoint: "203.0.113.5:40000", kind: "public", rttMs: 12.5 }],
    candidates: 2,
    peerNat: { mapping: 1, filtering: 3 },
    ...over,
  };
}

function iface(over: Partial<InterfaceStatus> = {}): InterfaceStatus {
  return {
    interface: "wg0",
    listenPort: 51820,
    coordinator: {
      address: "coord.example.net:3478",
      resolved: "192.0.2.1:3478",
      transport: "udp",
      reachable: true,
      lastAckSecondsAgo: 3.2,
      observed: "198.51.100.7:51820",
      registersSent: 4,
      pushes: 1,
    },
    nat: { publicEndpoint: "198.51.100.7:51820", noNat: false, mapping: "endpoint-independent", filtering: "address-and-port-dependent" },
    portMapping: { mode: "auto", method: "pcp", external: "198.51.100.7:51820", lifetimeSeconds: 7200, error: null },
    networkMonitor: "netlink",
    lastNetworkChange: null,
    drops: {},
    peers: [peer()],
    ...over,
  };
}

describe("formatStatus", () => {
  it("renders the interface, coordinator, NAT, port mapping and each peer", () => {
    const text = formatStatus(iface(), NOW);
    assert.ok(text.endsWith("\n"));
    const lines = text.split("\n");
    assert.equal(lines[0], "interface: wg0");
    assert.ok(text.includes("  listening port: 51820"));
    assert.ok(text.includes("  coordinator: coord.example.net:3478 over UDP (reachable, last answer 3.2 s ago), sees us as 198.51.100.7:51820"));
    assert.ok(text.includes("  nat: mapping endpoint-independent, filtering address-and-port-dependent, public 198.51.100.7:51820"));
    assert.ok(text.includes("  port mapping: pcp 198.51.100.7:51820 (lifetime 7200 s)"));
    assert.ok(text.includes("peer: HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8ykw="));
    assert.ok(text.includes("  path: direct (rtt 12.5 ms)"));
    assert.ok(text.includes("  latest handshake: 1 minute, 15 seconds ago"));
    assert.ok(text.includes("  transfer: 1.50 KiB received, 3.00 GiB sent"));
    assert.ok(text.includes("  verified paths: 203.0.113.5:40000 public 12.5 ms"));
    assert.ok(!text.includes("not direct because"));
  });

  it("explains a relayed peer and a peer never seen", () => {
    const text = formatStatus(
      iface({
        peers: [
          peer({ path: "relay-ws", reason: "UDP is blocked on the peer's network; it is reached through the relay", rttMs: null, verifiedPaths: [] }),
          peer({ path: "none", endpoint: null, lastHandshake: null, rxBytes: "0", txBytes: "0", rttMs: null, verifiedPaths: [] }),
        ],
      }),
      NOW,
    );
    assert.ok(text.includes("  path: relay-ws\n  not direct because: UDP is blocked on the peer's network; it is reached through the relay"));
    assert.ok(text.includes("  latest handshake: never"));
    assert.ok(text.includes("  transfer: 0 B received, 0 B sent"));
    assert.ok(!text.includes("verified paths:"));
  });

  it("says so when coordination is off, without NAT lines", () => {
    const text = formatStatus(iface({ coordinator: null, nat: null, peers: [] }), NOW);
    assert.equal(text, "interface: wg0\n  listening port: 51820\n  coordinator: off\n");
  });

  it("shows an unanswering coordinator over WebSocket, no NAT, and a failed port mapping", () => {
    const text = formatStatus(
      iface({
        coordinator: { ...(iface().coordinator ?? assert.fail()), transport: "ws", reachable: false, observed: null },
        nat: { publicEndpoint: "192.0.2.50:51820", noNat: true, mapping: "endpoint-independent", filtering: "endpoint-independent" },
        portMapping: { mode: "auto", method: null, external: null, lifetimeSeconds: null, error: "no gateway answered" },
        peers: [],
      }),
      NOW,
    );
    assert.ok(text.includes("  coordinator: coord.example.net:3478 over WebSocket (not answering)\n"));
    assert.ok(text.includes("  nat: none (public address 192.0.2.50:51820)"));
    assert.ok(text.includes("  port mapping: none (no gateway answered)"));
  });
});

describe("formatNetcheck", () => {
  it("reports UDP, the public endpoint, NAT and port mapping", () => {
    assert.equal(
      formatNetcheck(iface()),
      [
        "interface: wg0",
        "  coordinator: coord.example.net:3478 (192.0.2.1:3478) over UDP",
        "  UDP: works",
        "  public endpoint: 198.51.100.7:51820",
        "  nat: mapping endpoint-independent, filtering address-and-port-dependent, public 198.51.100.7:51820",
        "  port mapping: pcp 198.51.100.7:51820 (lifetime 7200 s)",
        "",
      ].join("\n"),
    );
  });

  it("reports blocked UDP when the WebSocket is in use and STUN got nothing", () => {
    const c = iface().coordinator ?? assert.fail();
    const text = formatNetcheck(iface({ coordinator: { ...c, transport: "ws", resolved: null }, nat: null, portMapping: { mode: "off", method: null, external: null, lifetimeSeconds: null, error: null } }));
    assert.ok(text.includes("(unresolved) over WebSocket"));
    assert.ok(text.includes("  UDP: blocked (WebSocket in use)"));
    assert.ok(text.includes("  public endpoint: 198.51.100.7:51820"));
    assert.ok(text.includes("  nat: not measured yet"));
    assert.ok(text.includes("  port mapping: off"));
  });

  it("has nothing to measure with coordination off", () => {
    assert.equal(formatNetcheck(iface({ coordinator: null })), "interface: wg0\n  coordination is off: nothing to measure against\n");
  });
});
