// CoordinatorLink's scheduling on a fake clock, answered by coordd's real
// sans-IO core (CoordCore) instead of a socket: registrations, the 25 s
// refresh, retry backoff while coordd is silent, withdrawals, and the switch
// to the WebSocket after 1 s of UDP silence (against a closed port, and
// against a real coordd's WebSocket endpoint on loopback).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CoordCore, defaultLimits, startCoordd, udpSource, type Source } from "@plug/coordd";
import { REFRESH_INTERVAL_SECONDS, encodeRelayFrame, generatePrivateKey, publicKeyFromPrivate, type RegisterBody, type ServerMessage } from "@plug/protocol";
import type { Logger } from "@plug/wireguard";
import { CoordinatorLink, type LinkHooks, type LinkTransport } from "../src/coordination/coordinator-link.js";
import { Pair } from "../src/coordination/pair.js";
import { seededRandom } from "../../../packages/wireguard/test/support/seeded-random.js";

const REFRESH_MS = REFRESH_INTERVAL_SECONDS * 1000;

function keyPair(label: string): { priv: Uint8Array; pub: Uint8Array } {
  const priv = generatePrivateKey(seededRandom(label));
  return { priv, pub: publicKeyFromPrivate(priv) };
}

const server = keyPair("coordd");
const alice = keyPair("alice");
const bob = keyPair("bob");

function bodyFor(own: { priv: Uint8Array; pub: Uint8Array }, peer: { pub: Uint8Array }): RegisterBody {
  const [r] = new Pair(peer.pub, own.priv, own.pub, null).rendezvous(1_700_000_000 + 1800);
  assert.ok(r);
  return { rid: r.rid, slot: r.slot, flags: 0, sealed: new Uint8Array(48).fill(own === alice ? 1 : 2) };
}

const quiet: Logger = { verbose: () => undefined, info: () => undefined, error: () => undefined };

interface Harness {
  link: CoordinatorLink;
  clock: { t: number };
  /** UDP datagrams the link sent, with the clock at the time. */
  sent: { at: number; bytes: Uint8Array }[];
  messages: { message: ServerMessage; via: LinkTransport }[];
  transports: LinkTransport[];
  silences: number[];
  /** RELAY frames handed to onRelay. */
  relays: Uint8Array[];
  wakes: number;
  /** Whether coordd's answers reach the link. */
  answering: boolean;
  /** Whether coordd's UDP address is known (sendUdp returns false until then, like Coordination's hook). */
  udpKnown: boolean;
  bodies: RegisterBody[];
  /** Hands what the link sent to coordd's core and the answers back (after the link's call returned, like a socket). */
  deliver(): void;
  core: CoordCore;
}

function harness(wsUrl: string | null, opts: { answer: boolean } = { answer: true }): Harness {
  const answering = opts.answer;
  const clock = { t: 0 };
  const core = new CoordCore({ serverPrivate: server.priv, serverPublic: server.pub, limits: defaultLimits, random: seededRandom("core"), nowMs: 0 });
  const from: Source = udpSource(0, { family: 4, address: "198.51.100.1", port: 51820 });
  let queue: Uint8Array[] = [];
  const h: Harness = {
    clock,
    sent: [],
    messages: [],
    transports: [],
    silences: [],
    relays: [],
    wakes: 0,
    answering,
    udpKnown: true,
    bodies: [bodyFor(alice, bob)],
    core,
    deliver() {
      // Cookie replies make the link send again from inside receive(): loop until quiet.
      for (let round = 0; round < 8 && queue.length > 0; round++) {
        const batch = queue;
        queue = [];
        for (const d of batch) {
          for (const s of core.handle(d, from, clock.t)) if (s.to.id === from.id) h.link.receive(s.bytes, "udp");
        }
      }
    },
    link: undefined as unknown as CoordinatorLink,
  };
  const hooks: LinkHooks = {
    sendUdp(bytes) {
      if (!h.udpKnown) return false;
      h.sent.push({ at: clock.t, bytes });
      if (h.answering) queue.push(bytes);
      return true;
    },
    bodies: () => h.bodies,
    onMessage: (message, via) => h.messages.push({ message, via }),
    onRelay: (frame) => h.relays.push(frame),
    onTransport: (t) => h.transports.push(t),
    onSilence: () => h.silences.push(clock.t),
    wake: () => h.wakes++,
  };
  h.link = new CoordinatorLink(server.pub, wsUrl, hooks, quiet, () => clock.t);
  return h;
}

/** Pumps at each deadline the link returns until `end`; returns the send times. */
function run(h: Harness, end: number): number[] {
  for (let guard = 0; guard < 10_000 && h.clock.t <= end; guard++) {
    const next = h.link.pump();
    h.deliver();
    assert.ok(next > h.clock.t, "the deadline moves forward");
    if (next > end) break;
    h.clock.t = next;
  }
  return [...new Set(h.sent.map((s) => s.at))];
}

async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
  const addr = srv.address();
  assert.ok(addr !== null && typeof addr === "object");
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return addr.port;
}

describe("CoordinatorLink over UDP", () => {
  it("registers, gets the cookie round trip and the ACK from coordd, then refreshes every 25 s", () => {
    const h = harness(null);
    const times = run(h, 3 * REFRESH_MS);
    assert.deepEqual(times, [0, REFRESH_MS, 2 * REFRESH_MS, 3 * REFRESH_MS]);
    assert.equal(h.link.stats.acks, 4);
    assert.ok(h.messages.every((m) => m.message.kind === "ack" && m.via === "udp"));
    assert.equal(h.core.registeredRids, 1);
    assert.equal(h.link.lastAck, 3 * REFRESH_MS);
    assert.equal(h.link.reachable, true);
    assert.equal(h.link.currentTransport, "udp");
    assert.deepEqual(h.transports, []);
  });

  it("retries with backoff 0.5 s → 16 s while coordd is silent, and asks for a new lookup after 30 s", () => {
    const h = harness(null, { answer: false });
    const times = run(h, 100_000);
    const gaps = times.slice(1).map((t, i) => t - (times[i] ?? 0));
    assert.deepEqual(gaps.slice(0, 8), [500, 1_000, 2_000, 4_000, 8_000, 16_000, 16_000, 16_000]);
    assert.equal(h.link.currentTransport, "udp", "no WebSocket configured: stays on UDP");
    assert.equal(h.link.reachable, false);
    assert.equal(h.link.lastAck, null);
    assert.ok(h.silences.length > 0 && (h.silences[0] ?? 0) > 30_000, `onSilence at ${h.silences.join(",")}`);
  });

  it("an ACK after silence resets the backoff to the refresh interval", () => {
    const h = harness(null, { answer: false });
    const times = run(h, 20_000);
    assert.deepEqual(times, [0, 500, 1_500, 3_500, 7_500, 15_500]);
    // coordd comes back for the next retry.
    h.answering = true;
    h.clock.t = 31_500;
    assert.equal(h.link.pump(), 31_500 + 16_000);
    h.deliver();
    assert.equal(h.link.stats.acks, 1);
    assert.equal(h.link.pump(), 31_500 + REFRESH_MS);
    assert.deepEqual(run(h, 31_500 + 2 * REFRESH_MS).filter((t) => t > 31_500), [31_500 + REFRESH_MS, 31_500 + 2 * REFRESH_MS]);
  });

  it("registerSoon sends at the next pump; no bodies means nothing sent until the refresh", () => {
    const h = harness(null);
    run(h, 0);
    h.clock.t = 1_000;
    assert.equal(h.link.pump(), REFRESH_MS);
    h.link.registerSoon();
    const before = h.sent.length;
    h.link.pump();
    h.deliver();
    assert.equal(h.sent.length > before, true);
    h.bodies = [];
    h.link.registerSoon();
    const count = h.sent.length;
    h.clock.t = 2_000;
    assert.equal(h.link.pump(), 2_000 + REFRESH_MS);
    assert.equal(h.sent.length, count);
  });

  it("a withdrawn registration is sent once with the Withdraw flag and leaves coordd's table", () => {
    const h = harness(null);
    run(h, 0);
    assert.equal(h.core.registeredRids, 1);
    const body = h.bodies[0];
    assert.ok(body);
    h.bodies = [];
    h.link.withdraw(body);
    h.clock.t = 100;
    h.link.pump();
    h.deliver();
    assert.equal(h.core.registeredRids, 0);
    const sentBefore = h.sent.length;
    h.clock.t = 200;
    h.link.registerSoon();
    h.link.pump();
    assert.equal(h.sent.length, sentBefore, "the withdrawal is not repeated");
  });

  it("two peers of a pair registered through the link get each other's PUSH", () => {
    const a = harness(null);
    run(a, 0);
    const from = udpSource(0, { family: 4, address: "203.0.113.50", port: 41000 });
    // Bob registers directly at the same core with his own LinkClient-free body, through a second link.
    const b = harness(null);
    const bobLink = b.link;
    b.bodies = [bodyFor(bob, alice)];
    bobLink.pump();
    // Route Bob's datagrams to Alice's core.
    const pushes: ServerMessage[] = [];
    let queue = b.sent.map((s) => s.bytes);
    for (let i = 0; i < 6 && queue.length > 0; i++) {
      const next: Uint8Array[] = [];
      for (const d of queue) {
        for (const s of a.core.handle(d, from, 0)) {
          if (s.to.id === from.id) {
            const before = b.sent.length;
            bobLink.receive(s.bytes, "udp");
            next.push(...b.sent.slice(before).map((x) => x.bytes));
          } else {
            a.link.receive(s.bytes, "udp");
          }
        }
      }
      queue = next;
    }
    for (const m of a.messages) if (m.message.kind === "push") pushes.push(m.message);
    assert.equal(pushes.length, 1, "Alice got a push");
    assert.equal(a.link.stats.pushes, 1);
    assert.ok(b.messages.some((m) => m.message.kind === "push"), "Bob got a push");
  });
});

describe("CoordinatorLink messages", () => {
  it("hands RELAY frames to onRelay untouched and sends ours over the current transport", () => {
    const h = harness(null);
    const frame = encodeRelayFrame(new Uint8Array(8).fill(9), new Uint8Array([1, 2, 3]));
    h.link.receive(frame, "udp");
    assert.deepEqual(h.relays, [frame]);
    assert.deepEqual(h.messages, []);
    const before = h.sent.length;
    assert.equal(h.link.sendRelay(frame), true);
    assert.deepEqual(h.sent.slice(before).map((x) => x.bytes), [frame]);
  });

  it("drops malformed and unauthenticated datagrams without a message or a crash", () => {
    const h = harness(null);
    run(h, 0);
    const acks = h.link.stats.acks;
    const junk = [new Uint8Array(0), Uint8Array.from([0xe3]), Uint8Array.from([0xe4, 1, 0, 0]), new Uint8Array(200).fill(0xe4), new Uint8Array(200).fill(0xe2), new Uint8Array(1500).fill(0xff)];
    for (const d of junk) {
      h.link.receive(d, "udp");
      h.link.receive(d, "ws");
    }
    assert.equal(h.link.stats.acks, acks);
    assert.equal(h.messages.length, acks);
    assert.equal(h.relays.length, 0);
  });

  it("withdrawAll on shutdown removes every registration from coordd at once", () => {
    const h = harness(null);
    h.bodies = [bodyFor(alice, bob), bodyFor(alice, keyPair("carol"))];
    run(h, 0);
    assert.equal(h.core.registeredRids, 2);
    h.link.withdrawAll(h.bodies);
    h.deliver();
    assert.equal(h.core.registeredRids, 0);
  });
});

describe("CoordinatorLink WebSocket fallback", () => {
  it("switches to the WebSocket after 1 s of UDP silence, survives a closed port, and goes back to UDP on a network change", async () => {
    const port = await closedPort();
    const h = harness(`ws://127.0.0.1:${port}/`, { answer: false });
    try {
      const times = run(h, 900);
      assert.deepEqual(times, [0, 500]);
      assert.equal(h.link.currentTransport, "udp");
      h.clock.t = 1_000;
      h.link.pump();
      assert.equal(h.link.currentTransport, "ws");
      assert.deepEqual(h.transports, ["ws"]);
      assert.equal(h.link.stats.transportSwitches, 1);
      const udpSends = h.sent.length;
      // Let the WebSocket fail to connect (and retry) a few times for real.
      for (let i = 0; i < 4; i++) {
        await new Promise((r) => setTimeout(r, 300));
        h.clock.t += 1_000;
        h.link.pump();
      }
      assert.equal(h.sent.length, udpSends, "nothing goes over UDP while on the WebSocket");
      assert.equal(h.link.currentTransport, "ws");
      h.link.networkChanged();
      assert.equal(h.link.currentTransport, "udp");
      assert.deepEqual(h.transports, ["ws", "udp"]);
      h.link.pump();
      assert.equal(h.sent.length, udpSends + 1, "a network change registers over UDP at once");
    } finally {
      h.link.close();
    }
  });

  it("does not give up on UDP before a single datagram could be sent (coordd's address still resolving)", () => {
    // Coordination's sendUdp returns false until DNS answers. A lookup slower
    // than the give-up time must not count as UDP silence: on the WebSocket, partners
    // stop probing our observed address and relay at once.
    const h = harness("ws://127.0.0.1:9/");
    try {
      h.udpKnown = false;
      run(h, 3_000);
      assert.equal(h.sent.length, 0);
      assert.equal(h.link.currentTransport, "udp", "UDP was never tried, so it cannot have failed");
      assert.deepEqual(h.transports, []);
    } finally {
      h.link.close();
    }
  });

  it("never switches once coordd answered over UDP on this network, even if later answers are lost", () => {
    const h = harness("ws://127.0.0.1:9/");
    try {
      run(h, 0);
      assert.equal(h.link.stats.acks, 1);
      h.answering = false;
      run(h, 120_000);
      assert.equal(h.link.currentTransport, "udp");
      assert.deepEqual(h.transports, []);
      // A new network may block UDP: the answer from the old one no longer counts.
      h.link.networkChanged();
      run(h, h.clock.t + 2_000);
      assert.equal(h.link.currentTransport, "ws");
    } finally {
      h.link.close();
    }
  });

  it("does not switch while coordd answers over UDP", () => {
    const h = harness("ws://127.0.0.1:9/");
    try {
      run(h, 4 * REFRESH_MS);
      assert.equal(h.link.currentTransport, "udp");
      assert.deepEqual(h.transports, []);
    } finally {
      h.link.close();
    }
  });

  it("registers over a real coordd's WebSocket once UDP is given up", async () => {
    const dir = mkdtempSync(join(tmpdir(), "plug-coordlink-"));
    const coordd = await startCoordd(
      {
        udpPort: 0,
        altUdpPort: 0,
        httpPort: 0,
        httpHost: "127.0.0.1",
        bind: "127.0.0.1",
        keyFile: join(dir, "coordd.key"),
        logLevel: "silent",
        limits: defaultLimits,
      },
    );
    const h = harness(`ws://127.0.0.1:${coordd.httpPort}/`, { answer: false });
    try {
      // The link must seal to this coordd's key, not the harness's.
      const link = new CoordinatorLink(coordd.publicKey, `ws://127.0.0.1:${coordd.httpPort}/`, {
        sendUdp: () => true, // UDP blocked: the datagrams vanish
        bodies: () => h.bodies,
        onMessage: (message, via) => h.messages.push({ message, via }),
        onRelay: () => undefined,
        onTransport: (t) => h.transports.push(t),
        onSilence: () => undefined,
        wake: () => {
          h.wakes++;
          link.pump();
        },
      }, quiet, () => h.clock.t);
      h.link.close();
      h.link = link;
      for (const t of [0, 500, 1_500, 2_000]) {
        h.clock.t = t;
        link.pump();
      }
      assert.equal(link.currentTransport, "ws");
      const deadline = Date.now() + 10_000;
      while (h.messages.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.ok(h.wakes >= 1, "the open WebSocket woke the link");
      assert.ok(h.messages.some((m) => m.message.kind === "ack" && m.via === "ws"), "ACK over the WebSocket");
      assert.equal(link.reachable, true);
      assert.equal(coordd.core.registeredRids, 1);
    } finally {
      h.link.close();
      await coordd.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
