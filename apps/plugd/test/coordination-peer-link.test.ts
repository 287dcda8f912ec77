// PeerLink.decide: when the coordination layer moves a peer's endpoint (to a
// verified path, or to the relay) and when it leaves WireGuard's own choice
// alone. A real Pair from two X25519 key pairs; time is plain `now` values.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  CandidateKind,
  NatBehavior,
  RelayPolicy,
  generatePrivateKey,
  publicKeyFromPrivate,
  type Candidate,
  type CandidateList,
} from "@plug/protocol";
import { endpointKey, type ProbeToSend } from "@plug/nat";
import type { Endpoint } from "@plug/wireguard";
import { Pair } from "../src/coordination/pair.js";
import { PeerLink, RELAY_AFTER_MS, ROLE1_DEFER_MS, type PushState } from "../src/coordination/peer-link.js";
import { isRelayEndpoint, relayEndpoint } from "../src/coordination/relay-endpoint.js";
import { seededRandom } from "../../../packages/wireguard/test/support/seeded-random.js";

const v4 = (address: string, port = 51820): Endpoint => ({ family: 4, address, port });
const OBSERVED = v4("203.0.113.10", 40000);
const LAN = v4("192.168.7.2");
const MAPPED = v4("198.51.100.20", 6000);
const ROAMED = v4("203.0.113.99", 50123);
const CHANNEL = Uint8Array.from([0xde, 0xad, 0x00, 0x01, 0x00, 0x00, 0xbe, 0xef]);

/** A link for one side of a real pair; `role` picks which side (roles come from the key order). */
function newLink(role: 0 | 1 = 0): PeerLink {
  const rnd = seededRandom("keys");
  const a = generatePrivateKey(rnd);
  const b = generatePrivateKey(rnd);
  let pair = new Pair(publicKeyFromPrivate(b), a, publicKeyFromPrivate(a), null);
  if (pair.keys.role !== role) pair = new Pair(publicKeyFromPrivate(a), b, publicKeyFromPrivate(b), null);
  assert.equal(pair.keys.role, role);
  return new PeerLink(pair, seededRandom("probes"));
}

function list(candidates: readonly Candidate[], opts: Partial<Pick<CandidateList, "mapping" | "relay">> = {}): CandidateList {
  return {
    timestampMs: 1n,
    mapping: opts.mapping ?? NatBehavior.EndpointIndependent,
    filtering: NatBehavior.EndpointIndependent,
    relay: opts.relay ?? RelayPolicy.LastResort,
    candidates,
  };
}

function push(now: number, peerOverWebSocket = false, peerObserved: Endpoint = OBSERVED): PushState {
  return { channel: CHANNEL, peerObserved, peerOverWebSocket, receivedAt: now };
}

/** The peer's public address after it moved (a new network, or its NAT's new address). */
const MOVED = v4("198.51.100.77", 42000);

/** Answers the probe to `to` among `pings` at `at`. */
function pong(link: PeerLink, pings: readonly ProbeToSend[], to: Endpoint, at: number): void {
  const p = pings.find((x) => endpointKey(x.to) === endpointKey(to));
  assert.ok(p, `a probe to ${endpointKey(to)}`);
  assert.ok(link.selector.onPong(p.txid, p.to, at));
}

const RELAY = relayEndpoint(CHANNEL);

describe("PeerLink.decide", () => {
  it("does nothing before the first push", () => {
    const link = newLink();
    for (const t of [0, 1_000, 60_000]) assert.equal(link.decide(null, 0n, true, t), null);
    assert.equal(link.relayEndpoint(), null);
    assert.equal(link.nextDeadline(), null);
    assert.equal(link.decide(OBSERVED, 100n, true, 70_000), null);
  });

  it("sets a verified path once; then leaves it alone while the core uses it", () => {
    const link = newLink();
    link.applyPush(push(0), list([{ kind: CandidateKind.Public, endpoint: OBSERVED }]), false, false, 0);
    const pings = link.selector.due(0);
    assert.equal(link.decide(null, 0n, true, 10), null, "nothing verified yet, relay not due");
    pong(link, pings, OBSERVED, 20);
    assert.deepEqual(link.decide(null, 0n, true, 30), OBSERVED);
    assert.equal(link.lastChangeReason, "verified public path");
    assert.equal(link.decide(OBSERVED, 0n, true, 40), null);
    assert.equal(link.decide(OBSERVED, 500n, true, 5_000), null);
  });

  it("switches to the better kind when it verifies later", () => {
    const link = newLink();
    link.applyPush(push(0), list([{ kind: CandidateKind.Lan, endpoint: LAN }, { kind: CandidateKind.PortMapped, endpoint: MAPPED }]), false, false, 0);
    const pings = link.selector.due(0);
    pong(link, pings, MAPPED, 10);
    assert.deepEqual(link.decide(null, 0n, true, 15), MAPPED);
    pong(link, pings, LAN, 50);
    assert.deepEqual(link.decide(MAPPED, 0n, true, 60), LAN);
    assert.match(link.lastChangeReason, /lan/);
  });

  it("uses the relay endpoint RELAY_AFTER_MS after the push when nothing verified", () => {
    const link = newLink();
    link.applyPush(push(1_000), list([{ kind: CandidateKind.Public, endpoint: OBSERVED }]), false, false, 1_000);
    assert.equal(link.nextDeadline(), 1_000);
    link.selector.due(1_000);
    assert.equal(link.decide(null, 0n, true, 1_000 + RELAY_AFTER_MS - 1), null);
    const relay = link.decide(null, 0n, true, 1_000 + RELAY_AFTER_MS);
    assert.deepEqual(relay, RELAY);
    assert.ok(relay !== null && isRelayEndpoint(relay));
    assert.equal(link.lastChangeReason, "no direct path verified");
    assert.equal(link.decide(RELAY, 0n, true, 3_000), null, "already on the relay");
  });

  it("a push from a peer that moved restarts the relay timer; a push from one that did not leaves it", () => {
    const moved = newLink();
    moved.applyPush(push(0), list([]), false, false, 0);
    moved.applyPush(push(400, false, MOVED), list([]), false, false, 400);
    assert.equal(moved.decide(null, 0n, true, RELAY_AFTER_MS), null);
    assert.deepEqual(moved.decide(null, 0n, true, 400 + RELAY_AFTER_MS), RELAY);
    const stayed = newLink();
    stayed.applyPush(push(0), list([]), false, false, 0);
    stayed.applyPush(push(400), list([]), false, false, 400);
    assert.deepEqual(stayed.decide(null, 0n, true, RELAY_AFTER_MS), RELAY);
  });

  it("relays at once when either side reaches coordd over the WebSocket", () => {
    const peerOnWs = newLink();
    peerOnWs.applyPush(push(0, true), list([]), false, false, 0);
    assert.deepEqual(peerOnWs.decide(null, 0n, true, 0), RELAY);
    const selfOnWs = newLink();
    selfOnWs.applyPush(push(0), list([{ kind: CandidateKind.Lan, endpoint: LAN }]), false, true, 0);
    assert.deepEqual(selfOnWs.decide(null, 0n, true, 0), RELAY);
  });

  it("a push from a peer that moved makes earlier verifications stale until a probe answers again", () => {
    const link = newLink();
    const publicList = list([{ kind: CandidateKind.Public, endpoint: OBSERVED }]);
    link.applyPush(push(0), publicList, false, false, 0);
    pong(link, link.selector.due(0), OBSERVED, 10);
    assert.deepEqual(link.decide(null, 0n, true, 20), OBSERVED);
    // The peer re-registered from elsewhere: the old pong proves nothing now.
    link.applyPush(push(5_000, false, MOVED), publicList, false, false, 5_000);
    const pings = link.selector.due(5_000);
    assert.deepEqual(link.decide(OBSERVED, 0n, true, 5_000 + RELAY_AFTER_MS), RELAY);
    pong(link, pings, OBSERVED, 5_000 + RELAY_AFTER_MS + 5);
    assert.deepEqual(link.decide(RELAY, 0n, true, 5_000 + RELAY_AFTER_MS + 10), OBSERVED);
  });

  it("a push from a peer that did not move keeps its verified path", () => {
    const link = newLink();
    const publicList = list([{ kind: CandidateKind.Public, endpoint: OBSERVED }]);
    link.applyPush(push(0), publicList, false, false, 0);
    pong(link, link.selector.due(0), OBSERVED, 10);
    assert.deepEqual(link.decide(null, 0n, true, 20), OBSERVED);
    link.applyPush(push(5_000), list([{ kind: CandidateKind.Public, endpoint: OBSERVED }, { kind: CandidateKind.PortMapped, endpoint: MAPPED }]), false, false, 5_000);
    link.selector.due(5_000);
    for (const t of [5_000, 5_000 + RELAY_AFTER_MS, 10_000]) assert.equal(link.decide(OBSERVED, 0n, true, t), null, `still on the verified path at ${t}`);
  });

  it("leaves the relay for a direct path once one verifies", () => {
    const link = newLink();
    link.applyPush(push(0), list([{ kind: CandidateKind.Public, endpoint: OBSERVED }]), false, false, 0);
    link.selector.due(0);
    assert.deepEqual(link.decide(null, 0n, true, RELAY_AFTER_MS), RELAY);
    const later = link.selector.due(1_500);
    pong(link, later, OBSERVED, 1_530);
    assert.deepEqual(link.decide(RELAY, 10n, true, 1_600), OBSERVED);
  });

  it("a push from a moved peer while on a verified lan path re-probes lan instead of falling back to the relay", () => {
    // The peer's public address changed (its ISP reconnected) but the LAN is
    // the same. The push makes the old pong stale (applyPush sets roamedAt),
    // so something must ping the lan address again before RELAY_AFTER_MS.
    const link = newLink();
    const lanList = list([{ kind: CandidateKind.Lan, endpoint: LAN }]);
    link.applyPush(push(0), lanList, false, false, 0);
    pong(link, link.selector.due(0), LAN, 2);
    assert.deepEqual(link.decide(null, 0n, true, 5), LAN);
    link.applyPush(push(10_000, false, MOVED), lanList, false, false, 10_000);
    // Answer every probe the selector sends from now on, 2 ms later.
    for (let t = 10_000; t <= 10_000 + RELAY_AFTER_MS; t += 50) {
      for (const p of link.selector.due(t)) link.selector.onPong(p.txid, p.to, t + 2);
    }
    const sent = link.decide(LAN, 0n, true, 10_000 + RELAY_AFTER_MS);
    assert.ok(sent === null || endpointKey(sent) === endpointKey(LAN), `stays on the lan path, got ${sent === null ? "null" : endpointKey(sent)}`);
  });

  it("does not relay while received bytes grow on a real endpoint", () => {
    const link = newLink();
    link.applyPush(push(0), list([]), false, false, 0);
    // WireGuard talks to the peer at an address probes never verified (its own roaming or a static Endpoint).
    let rx = 0n;
    for (let t = 0; t <= 20_000; t += 500) {
      rx += 148n;
      assert.equal(link.decide(ROAMED, rx, true, t), null, `traffic flows at ${t}`);
    }
    // Traffic stops: once peer-link.ts's 1 s traffic window passes, the relay takes over.
    assert.equal(link.decide(ROAMED, rx, true, 20_999), null);
    assert.deepEqual(link.decide(ROAMED, rx, true, 21_000), RELAY);
  });

  it("bytes received before a push from a moved peer do not keep the relay away after it", () => {
    const link = newLink();
    link.applyPush(push(0), list([]), false, false, 0);
    assert.equal(link.decide(ROAMED, 100n, true, 0), null);
    assert.equal(link.decide(ROAMED, 200n, true, 400), null);
    link.applyPush(push(500, false, MOVED), list([]), false, false, 500);
    assert.deepEqual(link.decide(ROAMED, 200n, true, 500 + RELAY_AFTER_MS), RELAY);
  });

  it("a relay policy of Never keeps the peer off the relay", () => {
    const link = newLink();
    link.applyPush(push(0), list([], { relay: RelayPolicy.Never }), false, false, 0);
    assert.equal(link.decide(null, 0n, true, 10_000), null);
  });

  it("a gone peer is not relayed to", () => {
    const link = newLink();
    link.applyPush(push(0), list([]), false, false, 0);
    link.peerGone();
    assert.equal(link.relayEndpoint(), null);
    assert.equal(link.decide(null, 0n, true, 10_000), null);
  });

  it("after WireGuard roams to an unverified address, older verifications no longer win", () => {
    const link = newLink();
    // RelayPolicy.Never keeps the relay out of this: only the verification's age matters.
    link.applyPush(push(0), list([{ kind: CandidateKind.Public, endpoint: OBSERVED }], { relay: RelayPolicy.Never }), false, false, 0);
    pong(link, link.selector.due(0), OBSERVED, 10);
    assert.deepEqual(link.decide(null, 0n, true, 20), OBSERVED);
    // An authenticated packet from elsewhere moved the core's endpoint.
    assert.equal(link.decide(ROAMED, 100n, true, 1_000), null, "follow WireGuard's roaming");
    assert.equal(link.selector.nextDeadline(), 1_000, "and probe afresh at once");
    assert.equal(link.decide(ROAMED, 200n, true, 2_000), null);
    // A pong after the roam proves the old path again: now it may win.
    pong(link, link.selector.due(2_000), OBSERVED, 2_010);
    assert.deepEqual(link.decide(ROAMED, 200n, true, 2_020), OBSERVED);
  });

  it("a roam WireGuard learned from an authenticated packet is not overridden by the relay while traffic follows it", () => {
    // peer-link.ts's header: decide() "never overrides a path WireGuard itself
    // just learned from an authenticated packet unless probes verify a better one".
    const link = newLink();
    link.applyPush(push(0), list([{ kind: CandidateKind.Public, endpoint: OBSERVED }]), false, false, 0);
    pong(link, link.selector.due(0), OBSERVED, 10);
    assert.deepEqual(link.decide(null, 0n, true, 20), OBSERVED);
    // The peer moved: its packets (rx grows) now come from ROAMED, and WireGuard follows them.
    assert.equal(link.decide(ROAMED, 1_000n, true, 5_000), null, "the roam itself");
    assert.equal(link.decide(ROAMED, 2_000n, true, 5_200), null, "traffic keeps flowing on the roamed path");
  });

  it("a move of the core's endpoint to a verified address is not roaming", () => {
    const link = newLink();
    link.applyPush(push(0), list([{ kind: CandidateKind.Public, endpoint: OBSERVED }, { kind: CandidateKind.Lan, endpoint: LAN }]), false, false, 0);
    const pings = link.selector.due(0);
    pong(link, pings, OBSERVED, 10);
    pong(link, pings, LAN, 12);
    assert.deepEqual(link.decide(null, 0n, true, 20), LAN);
    // The core switched to the other verified path on its own: the lan path still wins.
    assert.deepEqual(link.decide(OBSERVED, 10n, true, 30), LAN);
  });
});

describe("PeerLink.decide before a WireGuard session exists", () => {
  function verifiedLink(role: 0 | 1): PeerLink {
    const link = newLink(role);
    link.applyPush(push(0), list([{ kind: CandidateKind.Public, endpoint: OBSERVED }]), false, false, 0);
    pong(link, link.selector.due(0), OBSERVED, 10);
    return link;
  }

  it("role 0 (the initiator) sets a verified path at once", () => {
    assert.deepEqual(verifiedLink(0).decide(null, 0n, false, 20), OBSERVED);
  });

  it("role 1 waits ROLE1_DEFER_MS for role 0's handshake, then sets the path itself", () => {
    const link = verifiedLink(1);
    assert.equal(link.decide(null, 0n, false, 20), null);
    const deadline = link.nextDeadline();
    assert.ok(deadline !== null && deadline <= 20 + ROLE1_DEFER_MS, "a wake-up for the end of the wait");
    assert.equal(link.decide(null, 0n, false, 20 + ROLE1_DEFER_MS - 1), null);
    assert.deepEqual(link.decide(null, 0n, false, 20 + ROLE1_DEFER_MS), OBSERVED);
  });

  it("role 1 with a session does not wait", () => {
    assert.deepEqual(verifiedLink(1).decide(null, 0n, true, 20), OBSERVED);
  });

  it("role 1 follows WireGuard when role 0's handshake sets the endpoint meanwhile", () => {
    const link = verifiedLink(1);
    assert.equal(link.decide(null, 0n, false, 20), null);
    // Role 0's initiation arrived from the verified address: WireGuard now uses it.
    assert.equal(link.decide(OBSERVED, 148n, true, 300), null);
    assert.equal(link.decide(OBSERVED, 296n, true, 20 + ROLE1_DEFER_MS + 10), null);
  });
});

describe("PeerLink candidates from a push", () => {
  it("probes the peer's observed address and every advertised candidate", () => {
    const link = newLink();
    link.applyPush(push(0), list([{ kind: CandidateKind.Lan, endpoint: LAN }, { kind: CandidateKind.PortMapped, endpoint: MAPPED }]), false, false, 0);
    const to = link.selector.due(0).map((p) => endpointKey(p.to)).sort();
    assert.deepEqual(to, [LAN, MAPPED, OBSERVED].map(endpointKey).sort());
  });

  it("does not probe the observed address of a peer that reached coordd over WebSocket", () => {
    const link = newLink();
    link.applyPush(push(0, true), list([{ kind: CandidateKind.Lan, endpoint: LAN }]), false, false, 0);
    assert.deepEqual(link.selector.due(0).map((p) => endpointKey(p.to)), [endpointKey(LAN)]);
  });

  it("keeps the last list when a push carries none", () => {
    const link = newLink();
    link.applyPush(push(0), list([{ kind: CandidateKind.Lan, endpoint: LAN }]), false, false, 0);
    link.applyPush(push(5_000), null, false, false, 5_000);
    assert.deepEqual(link.selector.due(5_000).map((p) => endpointKey(p.to)).sort(), [LAN, OBSERVED].map(endpointKey).sort());
  });

  it("guesses ports of a hard-NAT peer only when our own mapping is easy", () => {
    const hardPeer = list([], { mapping: NatBehavior.AddressAndPortDependent });
    const easy = newLink();
    easy.applyPush(push(0), hardPeer, false, false, 0);
    const guesses = easy.selector.due(0).filter((p) => endpointKey(p.to) !== endpointKey(OBSERVED));
    assert.equal(guesses.length, 16);
    assert.ok(guesses.every((g) => g.to.address === OBSERVED.address && g.to.port !== OBSERVED.port));
    const bothHard = newLink();
    bothHard.applyPush(push(0), hardPeer, true, false, 0);
    assert.equal(bothHard.selector.due(0).length, 1);
    const easyPeer = newLink();
    easyPeer.applyPush(push(0), list([]), false, false, 0);
    assert.equal(easyPeer.selector.due(0).length, 1);
  });
});

describe("PeerLink.label", () => {
  it("names the path the core uses", () => {
    const link = newLink();
    link.applyPush(push(0), list([{ kind: CandidateKind.Lan, endpoint: LAN }, { kind: CandidateKind.PortMapped, endpoint: MAPPED }]), false, false, 0);
    const pings = link.selector.due(0);
    pong(link, pings, LAN, 5);
    pong(link, pings, MAPPED, 6);
    assert.equal(link.label(null, false, 10), "none");
    assert.equal(link.label(RELAY, false, 10), "relay-udp");
    assert.equal(link.label(RELAY, true, 10), "relay-ws");
    assert.equal(link.label(LAN, false, 10), "lan");
    assert.equal(link.label(MAPPED, false, 10), "mapped");
    assert.equal(link.label(ROAMED, false, 10), "direct");
    assert.equal(link.verifiedPath(LAN, 10)?.rttMs, 5);
  });
});

describe("PeerLink.networkChanged", () => {
  it("on a verified lan path, re-probes lan at once instead of falling back to the relay", () => {
    // Same root cause as the moved-peer push above: networkChanged() makes
    // the lan pong stale, but PathSelector still counts lan as verified and
    // so sends no burst; the next ping is the keepalive, up to 20 s later.
    const link = newLink();
    link.applyPush(push(0), list([{ kind: CandidateKind.Lan, endpoint: LAN }]), false, false, 0);
    pong(link, link.selector.due(0), LAN, 2);
    assert.deepEqual(link.decide(null, 0n, true, 5), LAN);
    link.networkChanged(30_000);
    const pings = link.selector.due(30_000);
    assert.ok(pings.some((p) => endpointKey(p.to) === endpointKey(LAN)), "lan is probed right after the change");
  });

  it("restarts probing and the relay timer", () => {
    const link = newLink();
    link.applyPush(push(0), list([{ kind: CandidateKind.Public, endpoint: OBSERVED }]), false, false, 0);
    for (const t of [0, 100, 250]) link.selector.due(t);
    link.networkChanged(60_000);
    assert.equal(link.nextDeadline(), 60_000);
    assert.equal(link.selector.due(60_000).length, 1);
    assert.equal(link.decide(null, 0n, true, 60_000 + RELAY_AFTER_MS - 1), null);
    assert.deepEqual(link.decide(null, 0n, true, 60_000 + RELAY_AFTER_MS), RELAY);
  });
});

describe("PeerLink around an epoch boundary (two rids, two relay channels)", () => {
  const OTHER = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
  const onRid = (rid: string, channel: Uint8Array, now: number): PushState => ({ ...push(now), rid, channel });

  it("accepts relay frames on either rid's channel and survives the old rid's expiry", () => {
    const link = newLink();
    link.applyPush(onRid("old", CHANNEL, 0), list([]), false, false, 0);
    link.applyPush(onRid("new", OTHER, 10), list([]), false, false, 10);
    assert.equal(link.channels().length, 2);
    const hex = (c: Uint8Array): string => Buffer.from(c).toString("hex");
    assert.deepEqual(link.relayEndpointFor(hex(CHANNEL)), relayEndpoint(CHANNEL));
    assert.deepEqual(link.relayEndpointFor(hex(OTHER)), relayEndpoint(OTHER));
    assert.equal(link.relayEndpointFor("0000000000000000"), null);
    // The old epoch's registration expires at coordd: the peer has not left.
    link.peerGone("old");
    assert.equal(link.gone, false);
    assert.deepEqual(link.relayEndpoint(), relayEndpoint(OTHER));
    assert.deepEqual(link.decide(null, 0n, true, 10 + RELAY_AFTER_MS), relayEndpoint(OTHER));
    link.peerGone("new");
    assert.equal(link.gone, true);
    assert.equal(link.relayEndpoint(), null);
  });

  it("forgets pushes of rids no longer held once their epoch has passed", () => {
    const link = newLink();
    link.applyPush(onRid("old", CHANNEL, 0), list([]), false, false, 0);
    link.applyPush(onRid("new", OTHER, 10), list([]), false, false, 10);
    link.keepRids(new Set(["new"]));
    assert.deepEqual(link.channels(), [OTHER]);
  });
});
