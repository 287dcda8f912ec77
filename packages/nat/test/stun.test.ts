import { test } from "node:test";
import assert from "node:assert/strict";
import {
  StunAttr,
  StunMessageType,
  StunTransaction,
  decodeBindingResponse,
  discoverNatBehavior,
  encodeAddress,
  encodeBindingRequest,
  encodeMessage,
  looksLikeStun,
  StunTimeoutError,
  type BindingResult,
} from "../src/index.js";
import type { Endpoint } from "@plug/wireguard";
import { crc32 } from "node:zlib";

const server: Endpoint = { family: 4, address: "198.51.100.7", port: 3478 };
const tid = Uint8Array.from({ length: 12 }, (_, i) => i + 1);

function response(id: Uint8Array, mapped: Endpoint, extra: { type: number; value: Uint8Array }[] = []): Uint8Array {
  return encodeMessage({
    type: StunMessageType.BindingSuccess,
    transactionId: id,
    attributes: [{ type: StunAttr.XorMappedAddress, value: encodeAddress(mapped, id) }, ...extra],
  });
}

test("binding request carries the cookie, the id and CHANGE-REQUEST flags", () => {
  const req = encodeBindingRequest({ transactionId: tid, changeIp: true, changePort: true });
  assert.equal(req.length, 28);
  assert.deepEqual([...req.subarray(0, 8)], [0, 1, 0, 8, 0x21, 0x12, 0xa4, 0x42]);
  assert.deepEqual([...req.subarray(8, 20)], [...tid]);
  assert.deepEqual([...req.subarray(20)], [0, 3, 0, 4, 0, 0, 0, 6]);
  assert.ok(looksLikeStun(req));
});

test("XOR-MAPPED-ADDRESS decodes for IPv4 and IPv6 and wins over MAPPED-ADDRESS", () => {
  const v4: Endpoint = { family: 4, address: "203.0.113.10", port: 40000 };
  const other: Endpoint = { family: 4, address: "198.51.100.8", port: 3479 };
  const r = decodeBindingResponse(
    response(tid, v4, [
      { type: StunAttr.MappedAddress, value: encodeAddress({ family: 4, address: "10.9.9.9", port: 1 }) },
      { type: StunAttr.OtherAddress, value: encodeAddress(other) },
    ]),
  );
  assert.deepEqual(r?.mapped, v4);
  assert.deepEqual(r?.otherAddress, other);
  const v6: Endpoint = { family: 6, address: "2001:db8::1", port: 51820 };
  assert.deepEqual(decodeBindingResponse(response(tid, v6))?.mapped, v6);
});

test("MAPPED-ADDRESS alone (RFC 3489 server) is accepted as a fallback", () => {
  const mapped: Endpoint = { family: 4, address: "203.0.113.5", port: 1234 };
  const pkt = encodeMessage({ type: StunMessageType.BindingSuccess, transactionId: tid, attributes: [{ type: StunAttr.MappedAddress, value: encodeAddress(mapped) }] });
  assert.deepEqual(decodeBindingResponse(pkt)?.mapped, mapped);
});

test("FINGERPRINT is verified when present", () => {
  const mapped: Endpoint = { family: 4, address: "203.0.113.10", port: 40000 };
  const body = response(tid, mapped);
  const withFp = new Uint8Array(body.length + 8);
  withFp.set(body);
  const v = new DataView(withFp.buffer);
  v.setUint16(2, body.length - 20 + 8);
  v.setUint16(body.length, StunAttr.Fingerprint);
  v.setUint16(body.length + 2, 4);
  v.setUint32(body.length + 4, (crc32(withFp.subarray(0, body.length)) ^ 0x5354554e) >>> 0);
  assert.deepEqual(decodeBindingResponse(withFp)?.mapped, mapped);
  withFp[withFp.length - 1] = (withFp[withFp.length - 1] ?? 0) ^ 1;
  assert.equal(decodeBindingResponse(withFp), undefined);
});

test("malformed and non-STUN input is rejected without throwing", () => {
  const good = response(tid, { family: 4, address: "203.0.113.10", port: 1 });
  const wgInitiation = new Uint8Array(148);
  wgInitiation[0] = 1;
  assert.equal(looksLikeStun(wgInitiation), false);
  const truncated = good.slice(0, good.length - 4);
  assert.equal(decodeBindingResponse(truncated), undefined);
  const badLen = Uint8Array.from(good);
  badLen[3] = (badLen[3] ?? 0) + 4;
  assert.equal(decodeBindingResponse(badLen), undefined);
  const badAttrLen = Uint8Array.from(good);
  badAttrLen[23] = 200; // attribute claims to run past the end
  assert.equal(decodeBindingResponse(badAttrLen), undefined);
  for (let i = 0; i < 2000; i++) {
    const junk = Uint8Array.from({ length: 20 + (i % 60) }, (_, j) => (i * 31 + j * 17) & 0xff);
    junk.set([0, 1, (junk.length - 20) >> 8, (junk.length - 20) & 0xff, 0x21, 0x12, 0xa4, 0x42], 0);
    decodeBindingResponse(junk);
  }
});

test("transaction retransmits on the RFC 5389 schedule and times out at 39.5 s", () => {
  const tx = new StunTransaction(server, { transactionId: tid }, 0);
  assert.equal(tx.first().kind, "send");
  const sends = [0];
  let now = 0;
  for (;;) {
    now = tx.deadline;
    const step = tx.onTimer(now);
    if (step.kind === "send") sends.push(now);
    else {
      assert.equal(step.kind, "done");
      break;
    }
  }
  assert.deepEqual(sends, [0, 500, 1500, 3500, 7500, 15500, 31500]);
  assert.equal(now, 39500);
});

test("transaction ignores responses with another transaction id", () => {
  const tx = new StunTransaction(server, { transactionId: tid }, 0);
  const otherId = Uint8Array.from(tid);
  otherId[11] = (otherId[11] ?? 0) ^ 1;
  const mapped: Endpoint = { family: 4, address: "203.0.113.10", port: 5 };
  assert.equal(tx.receive(response(otherId, mapped), server, 10).kind, "none");
  const step = tx.receive(response(tid, mapped), server, 20);
  assert.equal(step.kind, "done");
  assert.ok(step.kind === "done" && step.outcome.kind === "success" && step.outcome.rttMs === 20);
});

test("RFC 5780 classification from scripted server answers", async () => {
  const mk = (mapped: Endpoint): BindingResult => ({ transactionId: tid, mapped, from: server, rttMs: 1, otherAddress: { family: 4, address: "198.51.100.8", port: 3479 } });
  const a: Endpoint = { family: 4, address: "203.0.113.10", port: 1000 };
  const b: Endpoint = { family: 4, address: "203.0.113.10", port: 1001 };
  // Address-dependent mapping (same mapping for both ports of the alternate IP), address-dependent filtering.
  const result = await discoverNatBehavior(async (to, opts) => {
    if (opts?.changeIp) throw new StunTimeoutError(to, 3);
    if (opts?.changePort) return mk(a);
    return mk(to.address === server.address ? a : b);
  }, server);
  assert.equal(result.mapping, "address-dependent");
  assert.equal(result.filtering, "address-dependent");
});
