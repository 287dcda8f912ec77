// The 64-bit counters kept as numbers on the packet path: the send counter as
// two uint32 halves (carry, §6.1 limits), the received counter read as halves
// and fed to the replay window, and the `wg show` receive byte counter that
// adds numbers and folds them into a bigint. Each is checked against plain
// bigint arithmetic at the edges where halves or folding could go wrong.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createTransportAead } from "@plug/fastpath";
import { Keypair, REJECT_AFTER_MESSAGES, REKEY_AFTER_MESSAGES, counterRejected } from "../src/noise/keypair.js";
import { openTransport, sealTransportInto, transportCounterHigh, transportCounterLow, transportCounterOf, transportMessageLength } from "../src/noise/transport.js";
import { ReplayWindow } from "../src/replay/replay-window.js";
import { Peer } from "../src/core/peer.js";

const KEY = new Uint8Array(32).fill(7);

function keypair(): Keypair {
  return new Keypair({ send: KEY.slice(), receive: KEY.slice() }, true, 0, 1, 2, new ReplayWindow());
}

/** Seals one small message with the keypair's send counter, as the send path does. */
function sealNext(kp: Keypair): Uint8Array {
  const plaintext = Uint8Array.of(0x45, 0, 0, 20);
  const out = new Uint8Array(transportMessageLength(plaintext.length, 1420));
  sealTransportInto(kp.sendKey, kp.remoteIndex, kp, plaintext, out, new DataView(out.buffer));
  return out;
}

test("the send counter carries from the low half into the high half", () => {
  const kp = keypair();
  kp.sendCounter = 0xfffffffen;
  const sent = [sealNext(kp), sealNext(kp), sealNext(kp)].map(transportCounterOf);
  assert.deepEqual(sent, [0xfffffffen, 0xffffffffn, 0x100000000n]);
  assert.equal(kp.sendCounter, 0x100000001n);
  // What was written is what was sealed under: the nonce matches the header.
  const opener = createTransportAead(KEY, false);
  kp.sendCounter = 0x1ffffffffn;
  assert.ok(openTransport(opener, sealNext(kp)), "the message sealed at 2^33-1 opens with its header counter as nonce");
});

test("send limits: rekey strictly past 2^60, no sending at REJECT_AFTER_MESSAGES", () => {
  const kp = keypair();
  kp.sendCounter = REKEY_AFTER_MESSAGES;
  assert.equal(kp.pastRekeyCount(), false, "exactly 2^60 sent");
  sealNext(kp);
  assert.equal(kp.pastRekeyCount(), true, "2^60 + 1 sent");
  kp.sendCounter = REJECT_AFTER_MESSAGES - 1n;
  assert.equal(kp.canSend(), true);
  assert.equal(transportCounterOf(sealNext(kp)), REJECT_AFTER_MESSAGES - 1n, "the last usable counter is used");
  assert.equal(kp.canSend(), false);
  assert.equal(kp.sendCounter, REJECT_AFTER_MESSAGES);
  assert.throws(() => (kp.sendCounter = REJECT_AFTER_MESSAGES + 1n), RangeError);
  const fresh = keypair();
  fresh.expireForSending();
  assert.equal(fresh.canSend(), false);
  assert.equal(fresh.sendCounter, REJECT_AFTER_MESSAGES);
});

test("counterRejected agrees with the bigint comparison at the limit and around it", () => {
  for (const c of [0n, 1n << 32n, (1n << 63n) + 5n, REJECT_AFTER_MESSAGES - 2n, REJECT_AFTER_MESSAGES - 1n, REJECT_AFTER_MESSAGES, REJECT_AFTER_MESSAGES + 1n, (1n << 64n) - 1n]) {
    const hi = Number(c >> 32n);
    const lo = Number(c & 0xffffffffn);
    assert.equal(counterRejected(hi, lo), c >= REJECT_AFTER_MESSAGES, `counter ${c}`);
  }
});

test("received counters read as halves match the header, and the replay window gives both forms one verdict", () => {
  const edges = [0n, 1n, 0xffffffffn, 0x100000000n, (1n << 53n) - 1n, 1n << 53n, (1n << 53n) + 1n, REJECT_AFTER_MESSAGES - 1n];
  const byHalves = new ReplayWindow();
  const byBigint = new ReplayWindow();
  for (const c of [...edges, ...edges]) {
    const m = new Uint8Array(32);
    new DataView(m.buffer).setBigUint64(8, c, true);
    const hi = transportCounterHigh(m);
    const lo = transportCounterLow(m);
    assert.equal((BigInt(hi) << 32n) | BigInt(lo), c);
    assert.equal(byHalves.checkHalves(hi, lo), byBigint.check(c), `counter ${c}`);
  }
  assert.equal(new ReplayWindow().check(-1n), false, "a negative counter is refused");
});

test("received bytes stay exact across the fold into the bigint", () => {
  const peer = new Peer(new Uint8Array(32).fill(3));
  let expected = 0n;
  for (const bytes of [148, 2 ** 40 - 149, 1, 32, 2 ** 40 + 7, 2 ** 52, 80]) {
    peer.receivedAuthenticated(0, bytes);
    expected += BigInt(bytes);
    assert.equal(peer.rxBytes, expected, `after adding ${bytes}`);
  }
});
