import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { encodePing, encodePong, openProbe, PROBE_LENGTH } from "../src/index.js";

const key = randomBytes(32);
const txid = randomBytes(12);
const seen = { family: 6 as const, address: "2001:db8::1", port: 51820 };

test("ping and pong verify under the probe key and are the same size", () => {
  const ping = encodePing(key, 0, txid);
  const pong = encodePong(key, 1, txid, seen);
  assert.equal(ping.length, PROBE_LENGTH);
  assert.equal(pong.length, ping.length);
  assert.deepEqual(openProbe(key, 0, ping), { kind: "ping", senderRole: 0, txid: Uint8Array.from(txid) });
  assert.deepEqual(openProbe(key, 1, pong), { kind: "pong", senderRole: 1, txid: Uint8Array.from(txid), observed: seen });
});

test("probes under another key, reflected, or altered are refused", () => {
  const ping = encodePing(key, 0, txid);
  assert.equal(openProbe(randomBytes(32), 0, ping), undefined);
  assert.equal(openProbe(key, 1, ping), undefined, "our own ping reflected back claims our role");
  for (let i = 0; i < ping.length; i++) {
    const t = Uint8Array.from(ping);
    t[i] = (t[i] ?? 0) ^ 0x80;
    assert.equal(openProbe(key, 0, t), undefined, `flip at ${i}`);
  }
  assert.equal(openProbe(key, 0, ping.subarray(1)), undefined);
});
