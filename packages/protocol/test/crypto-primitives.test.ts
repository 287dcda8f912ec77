// primitives.ts's ChaCha20-Poly1305, HMAC-SHA256 and HKDF (OpenSSL through
// node:crypto, wrapped for the protocol's calling conventions), checked
// against the RFCs' own vectors and against direct OpenSSL calls on random
// inputs of every size the protocol uses, with every flipped bit refused.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createCipheriv, createHmac, hkdfSync, randomBytes } from "node:crypto";
import { aeadOpen, aeadSeal, counterNonce, hkdf, hmac, transientCounterNonce } from "../src/index.js";

const h = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ""), "hex"));
const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

function opensslSeal(key: Uint8Array, nonce: Uint8Array, pt: Uint8Array, aad: Uint8Array): Uint8Array {
  const c = createCipheriv("chacha20-poly1305", key, nonce, { authTagLength: 16 });
  c.setAAD(aad, { plaintextLength: pt.length });
  return new Uint8Array(Buffer.concat([c.update(pt), c.final(), c.getAuthTag()]));
}

test("RFC 8439 §2.8.2 AEAD vector", () => {
  const key = h("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f");
  const nonce = h("070000004041424344454647");
  const aad = h("50515253c0c1c2c3c4c5c6c7");
  const pt = new TextEncoder().encode(
    "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
  );
  const sealed = aeadSeal(key, nonce, pt, aad);
  assert.equal(
    hex(sealed),
    "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc3ff4def08e4b7a9de576d26586cec64b6116" +
      "1ae10b594f09e26a7e902ecbd0600691",
  );
  assert.deepEqual(aeadOpen(key, nonce, sealed, aad), pt);
});

test("AEAD matches OpenSSL for every length 0..600 and random ones up to 2 KiB, and refuses any flipped bit", () => {
  const lengths = [...Array.from({ length: 601 }, (_, i) => i), ...Array.from({ length: 100 }, () => Math.floor(Math.random() * 2048))];
  for (const len of lengths) {
    const key = randomBytes(32);
    const nonce = randomBytes(12);
    const pt = randomBytes(len);
    const aad = randomBytes(len % 97);
    const sealed = aeadSeal(key, nonce, pt, aad);
    assert.equal(hex(sealed), hex(opensslSeal(key, nonce, pt, aad)), `length ${len}`);
    assert.deepEqual(aeadOpen(key, nonce, sealed, aad), new Uint8Array(pt));
    const bad = Uint8Array.from(sealed);
    const bit = Math.floor(Math.random() * bad.length * 8);
    bad[bit >> 3] = (bad[bit >> 3] ?? 0) ^ (1 << (bit & 7));
    assert.equal(aeadOpen(key, nonce, bad, aad), undefined, `flipped bit ${bit} of ${bad.length} bytes opened`);
    if (aad.length > 0) assert.equal(aeadOpen(key, nonce, sealed, aad.subarray(1)), undefined);
  }
});

test("AEAD final reduction: all-ones keys and messages (h >= 2^130-5 paths) match OpenSSL", () => {
  for (let len = 0; len < 300; len += 7) {
    for (const fill of [0x00, 0xff]) {
      const key = Buffer.alloc(32, fill);
      const nonce = randomBytes(12);
      const pt = Buffer.alloc(len, 0xff);
      const aad = Buffer.alloc(len % 33, 0xff);
      assert.equal(hex(aeadSeal(key, nonce, pt, aad)), hex(opensslSeal(key, nonce, pt, aad)));
    }
  }
});

test("HMAC-SHA256: RFC 4231 vectors, OpenSSL on random keys and inputs, and a reused key array overwritten in place", () => {
  assert.equal(
    hex(hmac(h("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"), "Hi There")),
    "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
  );
  assert.equal(hex(hmac(new TextEncoder().encode("Jefe"), "what do ya want ", "for nothing?")), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  assert.equal(
    hex(hmac(new Uint8Array(131).fill(0xaa), "Test Using Larger Than Block-Size Key - Hash Key First")),
    "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
  );
  for (let i = 0; i < 300; i++) {
    const key = randomBytes(i % 150);
    const a = randomBytes(i);
    const text = i % 3 === 0 ? "plug/v1/ü" : "udp|127.0.0.1|40000";
    assert.equal(hex(hmac(key, a, text)), createHmac("sha256", key).update(a).update(text).digest("hex"), `key ${key.length} msg ${i}`);
  }
  const key = new Uint8Array(32).fill(1);
  const first = hex(hmac(key, "x"));
  key.fill(2);
  assert.equal(hex(hmac(key, "x")), createHmac("sha256", key).update("x").digest("hex"), "a cached key state outlived the key's bytes");
  assert.notEqual(hex(hmac(key, "x")), first);
});

test("HKDF-SHA256: RFC 5869 case 1 and OpenSSL's hkdf for empty and full salts", () => {
  const okm = hkdf(h("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"), h("000102030405060708090a0b0c"), h("f0f1f2f3f4f5f6f7f8f9"), 42);
  assert.equal(hex(okm), "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
  for (let i = 0; i < 100; i++) {
    const ikm = randomBytes(i);
    const salt = randomBytes(i % 2 === 0 ? 0 : 64);
    const len = 1 + ((i * 13) % 100);
    assert.equal(hex(hkdf(ikm, salt, "plug/v1/link-keys", len)), Buffer.from(hkdfSync("sha256", ikm, salt, "plug/v1/link-keys", len)).toString("hex"));
  }
});

test("counter nonces: 4 zero bytes then the counter little-endian; the shared transient one is rewritten whole", () => {
  const big = (1n << 40n) + 0x0102n;
  assert.equal(hex(counterNonce(0n)), "000000000000000000000000");
  assert.equal(hex(counterNonce(0x01020304n)), "000000000403020100000000");
  assert.equal(hex(counterNonce(big)), "000000000201000000010000");
  assert.equal(hex(counterNonce((1n << 64n) - 1n)), "00000000ffffffffffffffff");
  // A large counter's upper bytes must not survive into the next, small one.
  assert.equal(hex(transientCounterNonce(big)), hex(counterNonce(big)));
  assert.equal(hex(transientCounterNonce(7n)), hex(counterNonce(7n)));
  assert.equal(transientCounterNonce(1n), transientCounterNonce(2n), "one buffer, shared");
});
