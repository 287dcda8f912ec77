// buildStatus / deviceOnlyStatus: what `plugd status` reports per peer, and
// above all why a peer is not on a direct path. PeerLinks on real Pairs.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { CandidateKind, NatBehavior, RelayPolicy, generatePrivateKey, publicKeyFromPrivate, type Candidate, type CandidateList } from "@plug/protocol";
import { endpointKey } from "@plug/nat";
import type { DeviceSnapshot, Endpoint, PeerSnapshot } from "@plug/wireguard";
import type { NatReport } from "../src/coordination/nat-probe.js";
import { Pair } from "../src/coordination/pair.js";
import { PeerLink } from "../src/coordination/peer-link.js";
import { relayEndpoint } from "../src/coordination/relay-endpoint.js";
import { buildStatus, deviceOnlyStatus, type InterfaceStatus, type PeerStatus, type StatusInput } from "../src/coordination/status.js";
import { seededRandom } from "../../../packages/wireguard/test/support/seeded-random.js";

const own = generatePrivateKey(seededRandom("own"));
const ownPub = publicKeyFromPrivate(own);
const CHANNEL = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
const RELAY = relayEndpoint(CHANNEL);
const OBSERVED: Endpoint = { family: 4, address: "203.0.113.10", port: 40000 };
const MAPPED: Endpoint = { family: 4, address: "198.51.100.20", port: 6000 };

function peerKey(i: number): Uint8Array {
  return publicKeyFromPrivate(generatePrivateKey(seededRandom(`peer-${i}`)));
}

function snapshotPeer(pub: Uint8Array, endpoint: Endpoint | null): PeerSnapshot {
  return { publicKey: pub, presharedKey: null, endpoint, lastHandshake: endpoint === null ? null : { sec: 1_800_000_000, nsec: 0 }, rxBytes: 1234n, txBytes: 5678n, persistentKeepalive: 0, allowedIps: [] };
}

function list(mapping: NatBehavior, candidates: readonly Candidate[] = []): CandidateList {
  return { timestampMs: 1n, mapping, filtering: NatBehavior.EndpointIndependent, relay: RelayPolicy.LastResort, candidates };
}

interface Case {
  endpoint: Endpoint | null;
  /** Sets up the link; undefined: no link at all (not coordinated). */
  link?: (l: PeerLink) => void;
}

function statusOf(c: Case, over: Partial<StatusInput> = {}): PeerStatus {
  const pub = peerKey(1);
  const peers = new Map<string, PeerLink>();
  if (c.link !== undefined) {
    const l = new PeerLink(new Pair(pub, own, ownPub, null), seededRandom("probes"));
    c.link(l);
    peers.set(Buffer.from(pub).toString("base64"), l);
  }
  const snapshot: DeviceSnapshot = { privateKey: own, listenPort: 51820, fwmark: 0, peers: [snapshotPeer(pub, c.endpoint)] };
  const s = buildStatus({ ...input(snapshot, peers), ...over });
  assert.equal(s.peers.length, 1);
  const p = s.peers[0];
  assert.ok(p);
  return p;
}

function input(snapshot: DeviceSnapshot, peers: ReadonlyMap<string, PeerLink>): StatusInput {
  return {
    ifname: "wg0",
    now: 10_000,
    snapshot,
    peers,
    coordinator: { host: "coord.example.net", port: 3478 },
    coordEndpoint: { family: 4, address: "192.0.2.1", port: 3478 },
    transport: "udp",
    reachable: true,
    lastAck: 7_000,
    observed: { family: 4, address: "198.51.100.7", port: 51820 },
    nat: nat("endpoint-independent"),
    mapping: null,
    mappingError: null,
    mappingMode: "auto",
    monitor: "netlink",
    lastNetworkChange: null,
    drops: { unknownDatagram: 0, probeUnverified: 0, pushUnopened: 0, relayUnknownChannel: 0, relayMalformed: 0, notFromCoordinator: 0 },
    linkStats: { registersSent: 3, pushes: 1 },
  };
}

function nat(mapping: NatReport["mapping"]): NatReport {
  return { publicEndpoint: { family: 4, address: "198.51.100.7", port: 51820 }, noNat: false, mapping, filtering: "endpoint-independent", measuredAt: 0 };
}

const pushed =
  (peerMapping: NatBehavior = NatBehavior.EndpointIndependent, peerOverWebSocket = false, candidates: readonly Candidate[] = []) =>
  (l: PeerLink): void =>
    l.applyPush({ channel: CHANNEL, peerObserved: OBSERVED, peerOverWebSocket, receivedAt: 0 }, list(peerMapping, candidates), false, false, 0);

describe("status reasons for a peer not on a direct path", () => {
  it("not coordinated", () => {
    assert.equal(statusOf({ endpoint: null }).reason, "not coordinated (no private key yet)");
  });

  it("coordinator unreachable, with and without a push", () => {
    assert.equal(statusOf({ endpoint: null, link: () => undefined }, { reachable: false }).reason, "coordinator unreachable and no endpoint configured");
    assert.equal(statusOf({ endpoint: RELAY, link: pushed() }, { reachable: false }).reason, "coordinator unreachable");
  });

  it("the peer never registered, or withdrew", () => {
    assert.equal(statusOf({ endpoint: null, link: () => undefined }).reason, "peer has not registered with the coordinator (offline, or not running plug)");
    const gone = statusOf({
      endpoint: null,
      link: (l) => {
        pushed()(l);
        l.peerGone();
      },
    });
    assert.equal(gone.reason, "peer withdrew from the coordinator (stopped or offline)");
  });

  it("UDP blocked here, or at the peer", () => {
    const here = statusOf({ endpoint: RELAY, link: pushed() }, { transport: "ws" });
    assert.equal(here.path, "relay-ws");
    assert.match(here.reason ?? "", /UDP to the coordinator is blocked on this network/);
    const there = statusOf({ endpoint: RELAY, link: pushed(NatBehavior.EndpointIndependent, true) });
    assert.equal(there.path, "relay-udp");
    assert.match(there.reason ?? "", /UDP is blocked on the peer's network/);
  });

  it("names which side's NAT is endpoint-dependent", () => {
    const hardHere = { nat: nat("address-and-port-dependent") };
    assert.equal(statusOf({ endpoint: RELAY, link: pushed(NatBehavior.AddressDependent) }, hardHere).reason, "both sides are behind endpoint-dependent (symmetric) NATs");
    assert.equal(statusOf({ endpoint: RELAY, link: pushed() }, hardHere).reason, "one side is behind an endpoint-dependent NAT and port guessing found no path yet");
    assert.equal(statusOf({ endpoint: RELAY, link: pushed(NatBehavior.AddressAndPortDependent) }).reason, "one side is behind an endpoint-dependent NAT and port guessing found no path yet");
    assert.equal(statusOf({ endpoint: RELAY, link: pushed() }).reason, "no direct candidate answered probes");
    assert.equal(statusOf({ endpoint: RELAY, link: pushed() }, { nat: null }).reason, "no direct candidate answered probes");
  });

  it("a port-mapped path is explained; lan and direct paths need no reason", () => {
    const mapped = statusOf({
      endpoint: MAPPED,
      link: (l) => {
        pushed(NatBehavior.EndpointIndependent, false, [{ kind: CandidateKind.PortMapped, endpoint: MAPPED }])(l);
        const ping = l.selector.due(0).find((p) => endpointKey(p.to) === endpointKey(MAPPED));
        assert.ok(ping);
        l.selector.onPong(ping.txid, ping.to, 33);
      },
    });
    assert.equal(mapped.path, "mapped");
    assert.equal(mapped.reason, "reached through a port mapping on the peer's or this router");
    assert.equal(mapped.rttMs, 33);
    assert.deepEqual(mapped.verifiedPaths, [{ endpoint: "198.51.100.20:6000", kind: "mapped", rttMs: 33 }]);
    assert.equal(mapped.candidates, 1);
    assert.deepEqual(mapped.peerNat, { mapping: NatBehavior.EndpointIndependent, filtering: NatBehavior.EndpointIndependent });
    const direct = statusOf({ endpoint: OBSERVED, link: pushed() });
    assert.equal(direct.path, "direct");
    assert.equal("reason" in direct, false);
  });
});

describe("buildStatus", () => {
  it("reports the interface, coordinator, NAT, mapping and counters as plain JSON", () => {
    const pub = peerKey(2);
    const snapshot: DeviceSnapshot = { privateKey: own, listenPort: 51820, fwmark: 0, peers: [snapshotPeer(pub, { family: 6, address: "2001:db8::7", port: 51820 })] };
    const s: InterfaceStatus = buildStatus({
      ...input(snapshot, new Map()),
      mapping: { method: "pcp", protocol: "udp", internalPort: 51820, externalAddress: "198.51.100.7", externalPort: 51820, lifetimeSeconds: 7200, obtainedAtMs: 0 },
      lastNetworkChange: { at: 4_000, why: "address added" },
    });
    assert.deepEqual(JSON.parse(JSON.stringify(s)), s, "JSON-able as is");
    assert.equal(s.coordinator?.address, "coord.example.net:3478");
    assert.equal(s.coordinator?.resolved, "192.0.2.1:3478");
    assert.equal(s.coordinator?.lastAckSecondsAgo, 3);
    assert.equal(s.coordinator?.observed, "198.51.100.7:51820");
    assert.equal(s.nat?.publicEndpoint, "198.51.100.7:51820");
    assert.equal(s.portMapping.external, "198.51.100.7:51820");
    assert.equal(s.portMapping.method, "pcp");
    assert.deepEqual(s.lastNetworkChange, { secondsAgo: 6, event: "address added" });
    assert.equal(s.peers[0]?.endpoint, "[2001:db8::7]:51820");
    assert.equal(s.peers[0]?.rxBytes, "1234");
    assert.equal(s.peers[0]?.publicKey, Buffer.from(pub).toString("base64"));
  });

  it("deviceOnlyStatus: no coordinator, direct or none from the device alone", () => {
    const a = peerKey(3);
    const b = peerKey(4);
    const s = deviceOnlyStatus("wg1", { privateKey: own, listenPort: 1234, fwmark: 0, peers: [snapshotPeer(a, OBSERVED), snapshotPeer(b, null)] });
    assert.equal(s.coordinator, null);
    assert.equal(s.portMapping.mode, "off");
    assert.deepEqual(s.peers.map((p) => [p.path, p.endpoint]), [["direct", "203.0.113.10:40000"], ["none", null]]);
  });
});
