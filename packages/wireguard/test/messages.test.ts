// Wire-format rules of WIREGUARD.md §3: exact lengths, u32le header with zero
// reserved bytes, little-endian indices and counters; padding per §3.4.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  classify,
  decodeCookieReply,
  decodeInitiation,
  decodeResponse,
  decodeTransportHeader,
  encodeCookieReply,
  encodeInitiation,
  encodeResponse,
  MessageType,
} from "../src/noise/messages.js";
import { createTransportAead } from "@plug/fastpath";
import { innerPacketLength, paddedLength, sealTransport, openTransport, transportCounterOf, transportReceiverOf } from "../src/noise/transport.js";

const filled = (n: number, v: number): Uint8Array => new Uint8Array(n).fill(v);

test("classify accepts exactly the four types at their lengths", () => {
  const cases: [number, number, MessageType | null][] = [
    [1, 148, 1], [1, 147, null], [1, 149, null],
    [2, 92, 2], [2, 93, null],
    [3, 64, 3], [3, 63, null],
    [4, 32, 4], [4, 1500, 4], [4, 31, null],
    [5, 148, null], [0, 148, null],
  ];
  for (const [type, length, expected] of cases) {
    const d = new Uint8Array(length);
    d[0] = type;
    assert.equal(classify(d), expected, `type ${type} length ${length}`);
  }
  for (const reservedByte of [1, 2, 3]) {
    const d = new Uint8Array(148);
    d[0] = 1;
    d[reservedByte] = 1;
    assert.equal(classify(d), null, `reserved byte ${reservedByte}`);
  }
  assert.equal(classify(new Uint8Array(0)), null);
  assert.equal(classify(Uint8Array.of(1)), null);
});

test("initiation round trip and field offsets", () => {
  const d = encodeInitiation({ sender: 0x1234abcd, ephemeral: filled(32, 0xe1), encryptedStatic: filled(48, 0x5a), encryptedTimestamp: filled(28, 0x7b) });
  assert.equal(d.length, 148);
  assert.deepEqual(Array.from(d.subarray(0, 8)), [1, 0, 0, 0, 0xcd, 0xab, 0x34, 0x12]);
  const m = decodeInitiation(d);
  assert.ok(m);
  assert.equal(m.sender, 0x1234abcd);
  assert.deepEqual(m.ephemeral, filled(32, 0xe1));
  assert.deepEqual(m.encryptedStatic, filled(48, 0x5a));
  assert.deepEqual(m.encryptedTimestamp, filled(28, 0x7b));
  assert.deepEqual(m.mac1, filled(16, 0));
  assert.equal(decodeInitiation(d.subarray(0, 147)), null);
});

test("response round trip", () => {
  const d = encodeResponse({ sender: 0x5678ef01, receiver: 0x1234abcd, ephemeral: filled(32, 9), encryptedNothing: filled(16, 8) });
  assert.equal(d.length, 92);
  const m = decodeResponse(d);
  assert.ok(m);
  assert.equal(m.sender, 0x5678ef01);
  assert.equal(m.receiver, 0x1234abcd);
  assert.deepEqual(m.encryptedNothing, filled(16, 8));
  assert.equal(decodeResponse(d.subarray(0, 91)), null);
  assert.equal(decodeInitiation(d), null);
});

test("cookie reply round trip", () => {
  const d = encodeCookieReply({ receiver: 7, nonce: filled(24, 1), encryptedCookie: filled(32, 2) });
  assert.equal(d.length, 64);
  const m = decodeCookieReply(d);
  assert.ok(m);
  assert.equal(m.receiver, 7);
  assert.deepEqual(m.nonce, filled(24, 1));
  assert.deepEqual(m.encryptedCookie, filled(32, 2));
});

test("transport header: receiver and 64-bit counter little-endian; the counter is the nonce", () => {
  const key = filled(32, 3);
  const msg = sealTransport(createTransportAead(key, true), 0xdeadbeef, 0xfffffffffffffff0n, Uint8Array.of(0x45), 1420);
  const h = decodeTransportHeader(msg);
  assert.ok(h);
  assert.equal(h.receiver, 0xdeadbeef);
  assert.equal(h.counter, 0xfffffffffffffff0n);
  const opener = createTransportAead(key, false);
  // Another counter in the header means another nonce: the tag must fail.
  const otherCounter = msg.slice();
  otherCounter[8] = 0xf1;
  assert.equal(openTransport(opener, otherCounter), null);
  const badTag = msg.slice();
  badTag[badTag.length - 1] = (badTag[badTag.length - 1] ?? 0) ^ 1;
  assert.equal(openTransport(opener, badTag), null);
  assert.equal(openTransport(opener, msg.subarray(0, 31)), null);
  const plain = openTransport(opener, msg);
  assert.ok(plain);
  assert.deepEqual(plain, Uint8Array.of(0x45, ...new Uint8Array(15)));
  // The same context keeps working after failures (it is re-IV'd per message).
  const again = sealTransport(createTransportAead(key, true), 1, 7n, Uint8Array.of(1, 2, 3), 1420);
  assert.deepEqual(openTransport(opener, again)?.subarray(0, 3), Uint8Array.of(1, 2, 3));
});

test("the receive path's byte-wise header reads agree with the DataView decoder at the 32- and 64-bit edges", () => {
  const sealer = createTransportAead(filled(32, 4), true);
  for (const [receiver, counter] of [
    [0, 0n],
    [1, 0xffffffffn],
    [0x80000000, 0x100000000n],
    [0xffffffff, 0x7fffffffffffffffn],
    [0x12345678, 0xfffffffffffffffen],
  ] as const) {
    const msg = sealTransport(sealer, receiver, counter, Uint8Array.of(0x45), 1420);
    assert.deepEqual({ receiver: transportReceiverOf(msg), counter: transportCounterOf(msg) }, decodeTransportHeader(msg));
    assert.equal(transportCounterOf(msg), counter);
  }
});

test("padding: multiple of 16, never past the MTU (WG-GO calculatePaddingSize)", () => {
  assert.equal(paddedLength(0, 1420), 0);
  assert.equal(paddedLength(1, 1420), 16);
  assert.equal(paddedLength(66, 1420), 80);
  assert.equal(paddedLength(1419, 1420), 1420);
  assert.equal(paddedLength(1420, 1420), 1420);
  assert.equal(paddedLength(1425, 1420), 1425 + 11);
  assert.equal(paddedLength(17, 0), 32);
});

test("inner length comes from the IP header and bounds the plaintext", () => {
  const v4 = new Uint8Array(32);
  v4[0] = 0x45;
  v4[3] = 28;
  assert.equal(innerPacketLength(v4), 28);
  v4[3] = 33;
  assert.equal(innerPacketLength(v4), null);
  v4[3] = 19;
  assert.equal(innerPacketLength(v4), null);
  const v6 = new Uint8Array(48);
  v6[0] = 0x60;
  v6[5] = 8;
  assert.equal(innerPacketLength(v6), 48);
  v6[5] = 9;
  assert.equal(innerPacketLength(v6), null);
  assert.equal(innerPacketLength(Uint8Array.of(0x50, 0, 0, 0)), null);
  assert.equal(innerPacketLength(new Uint8Array(0)), null);
});
