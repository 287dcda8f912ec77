// The sans-IO PCP/NAT-PMP session against scripted gateway answers: the
// faults miniupnpd cannot produce on demand (NAT-PMP-only gateway, forged
// nonce, error codes, silent gateway).
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  EpochTracker,
  PcpOpcode,
  PmpPcpSession,
  PortMappingError,
  decodePcpMapResponse,
  encodePcpMapRequest,
  toPcpAddress,
  type SessionOutput,
} from "../src/index.js";

const random = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => i + 7);
const request = { protocol: "udp" as const, internalPort: 51820, lifetimeSeconds: 7200 };

function sent(out: SessionOutput[]): Uint8Array {
  const s = out.find((o) => o.kind === "send");
  assert.ok(s && s.kind === "send");
  return s.bytes;
}

/** A PCP MAP success answering `req` (fake gateway, scripted). */
function pcpAnswer(req: Uint8Array, opts: { result?: number; epoch?: number; port?: number; lifetime?: number; nonceFlip?: boolean } = {}): Uint8Array {
  const out = new Uint8Array(60);
  const v = new DataView(out.buffer);
  out[0] = 2;
  out[1] = 0x80 | PcpOpcode.Map;
  out[3] = opts.result ?? 0;
  v.setUint32(4, opts.lifetime ?? 3600);
  v.setUint32(8, opts.epoch ?? 100);
  out.set(req.subarray(24, 60), 24);
  if (opts.nonceFlip) out[24] = (out[24] ?? 0) ^ 1;
  v.setUint16(42, opts.port ?? 40000);
  out.set(toPcpAddress("203.0.113.10"), 44);
  return out;
}

test("PCP MAP request layout: version 2, client address, nonce, protocol, ports", () => {
  const nonce = random(12);
  const b = encodePcpMapRequest({ lifetimeSeconds: 7200, clientAddress: "192.168.77.2", nonce, protocol: 17, internalPort: 51820, suggestedExternalPort: 0 });
  assert.equal(b.length, 60);
  assert.deepEqual([...b.subarray(0, 8)], [2, 1, 0, 0, 0, 0, 0x1c, 0x20]);
  assert.deepEqual([...b.subarray(8, 24)], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 168, 77, 2]);
  assert.equal(b[36], 17);
  assert.deepEqual([...b.subarray(56, 60)], [0, 0, 0, 0]);
  assert.deepEqual([...b.subarray(44, 56)], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]);
});

test("PCP answer with another nonce is ignored and counted", () => {
  const s = new PmpPcpSession({ request, clientAddress: "192.168.77.2", random });
  const req = sent(s.start(0));
  assert.deepEqual(s.receive(pcpAnswer(req, { nonceFlip: true }), 10), []);
  assert.equal(s.stats.unexpected, 1);
  const out = s.receive(pcpAnswer(req), 20);
  assert.equal(out[0]?.kind, "mapped");
  assert.equal(s.deadline, 20 + 1_800_000);
  assert.equal(decodePcpMapResponse(pcpAnswer(req))?.externalAddress, "203.0.113.10");
});

test("UNSUPP_VERSION in NAT-PMP format falls back to NAT-PMP (external address, then map)", () => {
  const s = new PmpPcpSession({ request, clientAddress: "192.168.77.2", random });
  sent(s.start(0));
  // A NAT-PMP-only gateway: version 0, opcode 128+1, result 1.
  const reply = Uint8Array.of(0, 129, 0, 1, 0, 0, 0, 5);
  const ext = sent(s.receive(reply, 5));
  assert.deepEqual([...ext], [0, 0]);
  const extAnswer = Uint8Array.of(0, 128, 0, 0, 0, 0, 0, 6, 203, 0, 113, 10);
  const map = sent(s.receive(extAnswer, 10));
  assert.deepEqual([...map], [0, 1, 0, 0, 0xca, 0x6c, 0, 0, 0, 0, 0x1c, 0x20]);
  const mapAnswer = Uint8Array.of(0, 129, 0, 0, 0, 0, 0, 6, 0xca, 0x6c, 0x9c, 0x40, 0, 0, 0x0e, 0x10);
  const out = s.receive(mapAnswer, 15);
  assert.ok(out[0]?.kind === "mapped");
  assert.deepEqual({ ...out[0].mapping, obtainedAtMs: 0 }, { method: "nat-pmp", protocol: "udp", internalPort: 51820, externalAddress: "203.0.113.10", externalPort: 40000, lifetimeSeconds: 3600, obtainedAtMs: 0 });
});

test("PCP error codes surface as typed errors with the retry hint", () => {
  const s = new PmpPcpSession({ request, clientAddress: "192.168.77.2", random, protocols: ["pcp"] });
  const req = sent(s.start(0));
  const out = s.receive(pcpAnswer(req, { result: 2, lifetime: 30 }), 5);
  assert.ok(out[0]?.kind === "failed");
  const e = out[0].error;
  assert.ok(e instanceof PortMappingError);
  assert.equal(e.codeName, "NOT_AUTHORIZED");
  assert.equal(e.code, 2);
  assert.equal(e.retryAfterSeconds, 30);
});

test("silent gateway: PCP gives up at its cap, then NAT-PMP runs 9 tries (250 ms doubling)", () => {
  const s = new PmpPcpSession({ request, clientAddress: "192.168.77.2", random, pcpGiveUpMs: 10_000 });
  let out = s.start(0);
  let now = 0;
  const pmpSends: number[] = [];
  let pcpSends = 1;
  for (let i = 0; i < 50; i++) {
    now = s.deadline ?? assert.fail("no deadline");
    out = s.onTimer(now);
    const send = out.find((o) => o.kind === "send");
    if (send?.kind === "send") {
      if (send.bytes[0] === 0) pmpSends.push(now);
      else pcpSends++;
    }
    if (out.some((o) => o.kind === "failed")) break;
  }
  assert.ok(pcpSends >= 2 && pcpSends <= 3, `pcp sends ${pcpSends}`);
  assert.equal(pmpSends.length, 9);
  const start = pmpSends[0] ?? 0;
  assert.deepEqual(pmpSends.map((t) => Math.round(t - start)), [0, 250, 750, 1750, 3750, 7750, 15750, 31750, 63750]);
  const failed = out.find((o) => o.kind === "failed");
  assert.ok(failed?.kind === "failed" && failed.error.codeName === "TIMEOUT");
});

test("renewal at half-life; an epoch that went backwards reports lost then mapped", () => {
  const s = new PmpPcpSession({ request, clientAddress: "192.168.77.2", random });
  const req = sent(s.start(0));
  s.receive(pcpAnswer(req, { epoch: 1000, lifetime: 100 }), 0);
  assert.equal(s.deadline, 50_000);
  const renewal = sent(s.onTimer(50_000));
  assert.equal(new DataView(renewal.buffer).getUint16(42), 40000, "renewal suggests the port we hold");
  const out = s.receive(pcpAnswer(renewal, { epoch: 3, lifetime: 100 }), 50_010);
  assert.deepEqual(out.map((o) => o.kind), ["lost", "mapped"]);
  assert.equal(s.stats.resets, 1);
});

test("epoch tracker: steady, backwards, and too slow", () => {
  const e = new EpochTracker();
  assert.equal(e.observe(100, 0), true);
  assert.equal(e.observe(160, 60_000), true);
  assert.equal(e.observe(158, 62_000), false);
  const slow = new EpochTracker();
  slow.observe(100, 0);
  assert.equal(slow.observe(110, 600_000), false);
});

test("stop sends lifetime 0 with the same nonce and ends with deleted", () => {
  const s = new PmpPcpSession({ request, clientAddress: "192.168.77.2", random });
  const req = sent(s.start(0));
  s.receive(pcpAnswer(req), 0);
  const del = sent(s.stop(10));
  assert.equal(new DataView(del.buffer).getUint32(4), 0);
  assert.deepEqual([...del.subarray(24, 36)], [...req.subarray(24, 36)]);
  assert.deepEqual(s.receive(pcpAnswer(del, { lifetime: 0 }), 20).map((o) => o.kind), ["deleted"]);
});
