// Driven through the sans-IO core with an injected clock: idle expiry of
// registrations and sessions, cookie rotation and the cookie memo, and the
// relay's exact-path check (cases real sockets cannot set up, such as the
// same address and port arriving on another local socket).
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { generatePrivateKey, publicKeyFromPrivate } from "@plug/protocol";
import { encodeRelayFrame, LinkClient, MessageType, PushFlag, type ServerMessage } from "@plug/protocol";
import { CoordCore, defaultLimits, udpSource, type Send, type Source } from "../src/index.js";
import { sampleBody } from "./support.js";

const priv = generatePrivateKey();
const pub = publicKeyFromPrivate(priv);

function harness() {
  let now = 1_000_000;
  const core = new CoordCore({ serverPrivate: priv, serverPublic: pub, limits: defaultLimits, random: (n) => new Uint8Array(randomBytes(n)), nowMs: now });
  const clients = new Map<string, LinkClient>();
  const inbox = new Map<string, ServerMessage[]>();
  const deliver = (sends: Send[]): void => {
    for (const s of sends) {
      const c = clients.get(s.to.id);
      for (const ev of c?.receive(s.bytes) ?? []) {
        if (ev.kind === "send") deliver(core.handle(ev.bytes, s.to, now));
        else inbox.get(s.to.id)?.push(ev.message);
      }
    }
  };
  const client = (port: number): { src: Source; link: LinkClient; got: ServerMessage[] } => {
    const src = udpSource(0, { family: 4, address: "192.0.2.1", port });
    const link = new LinkClient(pub);
    clients.set(src.id, link);
    const got: ServerMessage[] = [];
    inbox.set(src.id, got);
    return { src, link, got };
  };
  return {
    core,
    client,
    send: (c: { src: Source; link: LinkClient }, body: ReturnType<typeof sampleBody>) => deliver(core.handle(c.link.register(body), c.src, now)),
    advance: (ms: number) => {
      now += ms;
      deliver(core.sweep(now));
    },
  };
}

test("expiry after the lifetime, refresh before it", () => {
  const h = harness();
  const a = h.client(1);
  const b = h.client(2);
  const rid = randomBytes(16);
  const bodyA = sampleBody(rid);
  const bodyB = sampleBody(rid);
  h.send(a, bodyA);
  h.send(b, bodyB);
  a.got.length = 0;
  // b refreshes every 25 s, a stops: after 120 s a's slot is gone and b is told.
  for (let t = 0; t < 4; t++) {
    h.advance(25_000);
    h.send(b, bodyB);
  }
  assert.equal(h.core.pairedRids, 1, "100 s: still paired");
  h.advance(25_000);
  assert.equal(h.core.pairedRids, 0);
  assert.equal(h.core.registeredRids, 1, "b's refreshed slot remains");
  const gone = b.got.find((m) => m.kind === "push" && (m.flags & PushFlag.PeerGone) !== 0);
  assert.ok(gone, "b got a peer-gone push");
  // Sessions without registrations go after the idle time.
  h.advance(200_000);
  assert.equal(h.core.registeredRids, 0);
  assert.equal(h.core.sessionCount, 0);
});

test("cookies rotate: the previous one is accepted, an older one gets a fresh cookie", () => {
  const h = harness();
  const a = h.client(1);
  h.send(a, sampleBody());
  assert.equal(a.got.length, 1, "registered with a cookie");
  h.advance(121_000);
  h.send(a, sampleBody());
  assert.equal(a.got.length, 2, "previous cookie still accepted without a round trip");
  h.advance(121_000);
  const raw = h.core.handle(a.link.register(sampleBody()), a.src, 1_000_000 + 242_000);
  assert.equal(raw[0]?.bytes[0], MessageType.CookieReply);
});

test("a cookie remembered for one source is not accepted from another, before or after a rotation", () => {
  const h = harness();
  const a = h.client(1);
  const b = h.client(2);
  h.send(a, sampleBody());
  h.send(a, sampleBody());
  assert.equal(a.got.length, 2, "a's cookie proven twice (the second time from memory)");
  for (const at of [1_000_000, 1_000_000 + 121_000]) {
    const stolen = a.link.register(sampleBody());
    const raw = h.core.handle(stolen, b.src, at);
    assert.equal(raw[0]?.bytes[0], MessageType.CookieReply, `at ${at}`);
    assert.equal(h.core.handle(stolen, a.src, at)[0]?.bytes[0], MessageType.RegisterAck, "still good from its own address");
  }
});

test("relay frames are forwarded only from the exact registered path: same address and port on another local socket is refused", () => {
  const h = harness();
  const a = h.client(1);
  const b = h.client(2);
  const rid = randomBytes(16);
  h.send(a, sampleBody(rid));
  h.send(b, sampleBody(rid));
  const push = a.got.find((m) => m.kind === "push");
  assert.ok(push?.kind === "push");
  const frame = encodeRelayFrame(push.channel, randomBytes(64));
  const now = 1_000_000;
  const out = h.core.handle(frame, a.src, now);
  assert.equal(out.length, 1);
  assert.equal(out[0]?.to.id, b.src.id, "a's frame goes to b");
  const otherSocket = udpSource(1, a.src.endpoint);
  assert.deepEqual(h.core.handle(frame, otherSocket, now), [], "same address and port, other local socket");
  const otherPort = udpSource(0, { ...a.src.endpoint, port: a.src.endpoint.port + 100 });
  assert.deepEqual(h.core.handle(frame, otherPort, now), [], "same address, other port");
  assert.equal(h.core.handle(frame, b.src, now)[0]?.to.id, a.src.id, "and back");
});
