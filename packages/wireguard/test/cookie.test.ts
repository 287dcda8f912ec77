// Cookie mechanism (§5): mac1 binds to the receiver's key, mac2 to a cookie
// for the source address; secrets rotate every 120 s and cookies expire.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { CookieChecker, CookieGenerator, COOKIE_REFRESH_TIME, encodeCookieSource } from "../src/noise/cookie.js";
import { decodeCookieReply } from "../src/noise/messages.js";
import { x25519PublicKey } from "../src/crypto/x25519.js";
import { clampPrivateKey } from "../src/crypto/keys.js";

function rng(seed: string): (n: number) => Uint8Array {
  let c = 0;
  return (n) => {
    const out = new Uint8Array(n);
    for (let off = 0; off < n; off += 64) out.set(createHash("sha512").update(`${seed}/${c++}`).digest().subarray(0, n - off), off);
    return out;
  };
}
const responderPub = x25519PublicKey(clampPrivateKey(new Uint8Array(32).fill(3)));
const SRC = encodeCookieSource(Uint8Array.of(192, 0, 2, 1), 51820);
const OTHER_SRC = encodeCookieSource(Uint8Array.of(192, 0, 2, 1), 51821);

function initiation(seed: string): Uint8Array {
  const m = rng(seed)(148);
  assert.equal(m.length, 148);
  m.set([1, 0, 0, 0], 0);
  return m;
}

test("cookie source encoding is address then big-endian port", () => {
  assert.deepEqual(Array.from(SRC), [192, 0, 2, 1, 0xca, 0x6c]);
  assert.equal(encodeCookieSource(new Uint8Array(16), 1).length, 18);
});

test("mac1 verifies only with the receiver's key", () => {
  const checker = new CookieChecker(rng("c"));
  checker.setPublicKey(responderPub);
  const gen = new CookieGenerator(responderPub);
  const m = initiation("m");
  assert.equal(checker.checkMac1(m), false);
  gen.addMacs(m, 0);
  assert.equal(checker.checkMac1(m), true);
  m[10] = (m[10] ?? 0) ^ 1;
  assert.equal(checker.checkMac1(m), false, "mac1 covers the body");
  const wrong = new CookieGenerator(x25519PublicKey(clampPrivateKey(new Uint8Array(32).fill(4))));
  const m2 = initiation("m2");
  wrong.addMacs(m2, 0);
  assert.equal(checker.checkMac1(m2), false);
  checker.setPublicKey(null);
  assert.equal(checker.checkMac1(m2), false, "no key, nothing verifies");
});

test("full cookie round trip: reply, store, mac2 valid for that source only, expiry", () => {
  const checker = new CookieChecker(rng("c"));
  checker.setPublicKey(responderPub);
  const gen = new CookieGenerator(responderPub);
  const m = initiation("x");
  gen.addMacs(m, 0);
  assert.equal(checker.checkMac2(m, SRC, 0), false, "no secret yet");
  const reply = checker.createReply(m, SRC, 0);
  assert.ok(reply);
  assert.equal(reply.length, 64);
  const decoded = decodeCookieReply(reply);
  assert.ok(decoded);
  assert.equal(decoded.receiver, new DataView(m.buffer).getUint32(4, true), "answers the sender index");
  assert.equal(gen.consumeReply(decoded, 10), true);
  assert.equal(gen.hasCookie(10), true);
  const again = initiation("y");
  gen.addMacs(again, 20);
  assert.equal(checker.checkMac2(again, SRC, 20), true);
  assert.equal(checker.checkMac2(again, OTHER_SRC, 20), false, "bound to the source address and port");
  // The initiator stops using the cookie after 120 s.
  const late = initiation("z");
  gen.addMacs(late, 10 + COOKIE_REFRESH_TIME);
  assert.deepEqual(late.subarray(132), new Uint8Array(16));
  assert.equal(gen.hasCookie(10 + COOKIE_REFRESH_TIME), false);
});

test("the responder's secret expires: old cookies stop verifying and the next reply rotates it", () => {
  const checker = new CookieChecker(rng("c2"));
  checker.setPublicKey(responderPub);
  const gen = new CookieGenerator(responderPub);
  const m = initiation("a");
  gen.addMacs(m, 0);
  const r1 = decodeCookieReply(checker.createReply(m, SRC, 0) ?? new Uint8Array());
  assert.ok(r1);
  gen.consumeReply(r1, 0);
  const m2 = initiation("b");
  gen.addMacs(m2, 1);
  assert.equal(checker.checkMac2(m2, SRC, COOKIE_REFRESH_TIME), true);
  assert.equal(checker.checkMac2(m2, SRC, COOKIE_REFRESH_TIME + 1), false, "expired secret means invalid mac2");
  const r2 = decodeCookieReply(checker.createReply(m2, SRC, COOKIE_REFRESH_TIME + 1) ?? new Uint8Array());
  assert.ok(r2);
  assert.equal(gen.consumeReply(r2, COOKIE_REFRESH_TIME + 1), true);
  const m3 = initiation("c");
  gen.addMacs(m3, COOKIE_REFRESH_TIME + 2);
  assert.equal(checker.checkMac2(m3, SRC, COOKIE_REFRESH_TIME + 2), true, "new secret, new cookie");
});

test("a cookie reply opens only against the mac1 we last sent", () => {
  const checker = new CookieChecker(rng("c3"));
  checker.setPublicKey(responderPub);
  const gen = new CookieGenerator(responderPub);
  const m = initiation("q");
  const fresh = new CookieGenerator(responderPub);
  const r = decodeCookieReply(checker.createReply(m, SRC, 0) ?? new Uint8Array());
  assert.ok(r);
  assert.equal(fresh.consumeReply(r, 0), false, "nothing sent yet");
  gen.addMacs(m, 0);
  const stale = decodeCookieReply(checker.createReply(m, SRC, 0) ?? new Uint8Array());
  gen.addMacs(initiation("newer"), 1);
  assert.ok(stale);
  assert.equal(gen.consumeReply(stale, 1), false, "reply to an older mac1");
  const tampered = Uint8Array.from(checker.createReply(m, SRC, 0) ?? new Uint8Array());
  tampered[40] = (tampered[40] ?? 0) ^ 1;
  const t = decodeCookieReply(tampered);
  assert.ok(t);
  assert.equal(gen.consumeReply(t, 1), false);
});

test("verifyMac2OrReply: one step for the under-load decision, same outcomes as check + reply", () => {
  const checker = new CookieChecker(rng("c4"));
  checker.setPublicKey(responderPub);
  const gen = new CookieGenerator(responderPub);
  const m = initiation("v1");
  gen.addMacs(m, 0);
  const first = checker.verifyMac2OrReply(m, SRC, 0);
  assert.equal(first.valid, false);
  assert.ok(!first.valid && first.reply !== null);
  const decoded = decodeCookieReply(first.valid ? new Uint8Array() : (first.reply ?? new Uint8Array()));
  assert.ok(decoded);
  assert.equal(gen.consumeReply(decoded, 1), true);
  const m2 = initiation("v2");
  gen.addMacs(m2, 2);
  assert.deepEqual(checker.verifyMac2OrReply(m2, SRC, 2), { valid: true });
  assert.equal(checker.verifyMac2OrReply(m2, OTHER_SRC, 2).valid, false, "another source port gets its own cookie");
  const expired = checker.verifyMac2OrReply(m2, SRC, 2 + COOKIE_REFRESH_TIME + 1);
  assert.equal(expired.valid, false, "a cookie from a rotated-out secret no longer counts");
  assert.ok(!expired.valid && expired.reply !== null && expired.reply.length === 64);
});
