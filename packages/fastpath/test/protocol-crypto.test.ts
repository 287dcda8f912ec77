// The addon's one-shot ChaCha20-Poly1305 (native/aead.c), HMAC-SHA256 and
// HKDF-SHA256 (native/protocol-crypto.c) against the RFCs' vectors and against
// node:crypto (the same OpenSSL through another door) on random inputs.
// The contexts are kept between calls, so the random rounds interleave
// keys, sizes and the HMAC key cache's eviction on purpose.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createCipheriv, createHmac, hkdfSync, randomBytes, randomInt } from "node:crypto";
import { aeadOpenOnce, aeadSealOnce, hkdfSha256, hmacSha256 } from "../src/index.js";

const h = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ""), "hex"));
const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

function nodeSeal(key: Uint8Array, nonce: Uint8Array, pt: Uint8Array, aad: Uint8Array): Buffer {
  const c = createCipheriv("chacha20-poly1305", key, nonce, { authTagLength: 16 });
  c.setAAD(aad, { plaintextLength: pt.length });
  return Buffer.concat([c.update(pt), c.final(), c.getAuthTag()]);
}

describe("protocol crypto through the addon", () => {
  it("ChaCha20-Poly1305: RFC 8439 §2.8.2", () => {
    const key = h("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f");
    const nonce = h("070000004041424344454647");
    const aad = h("50515253c0c1c2c3c4c5c6c7");
    const pt = new TextEncoder().encode(
      "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
    );
    const sealed = aeadSealOnce(key, nonce, pt, aad);
    assert.equal(hex(sealed.subarray(sealed.length - 16)), "1ae10b594f09e26a7e902ecbd0600691");
    assert.equal(hex(sealed.subarray(0, 16)), "d31a8d34648e60db7b86afbc53ef7ec2");
    assert.deepEqual(aeadOpenOnce(key, nonce, sealed, aad), pt);
  });

  it("ChaCha20-Poly1305 matches node:crypto and refuses every flipped bit", () => {
    for (let round = 0; round < 300; round++) {
      const key = randomBytes(32);
      const nonce = randomBytes(12);
      const pt = randomBytes(randomInt(0, 1400));
      const aad = randomBytes(randomInt(0, 64));
      const sealed = aeadSealOnce(key, nonce, pt, aad);
      assert.equal(hex(sealed), hex(nodeSeal(key, nonce, pt, aad)));
      assert.deepEqual(aeadOpenOnce(key, nonce, sealed, aad), new Uint8Array(pt));
      const bit = randomInt(0, sealed.length * 8);
      const bad = Uint8Array.from(sealed);
      bad[bit >> 3] = (bad[bit >> 3] ?? 0) ^ (1 << (bit & 7));
      assert.equal(aeadOpenOnce(key, nonce, bad, aad), null);
      if (aad.length > 0) assert.equal(aeadOpenOnce(key, nonce, sealed, aad.subarray(1)), null);
    }
    assert.equal(aeadOpenOnce(randomBytes(32), randomBytes(12), new Uint8Array(15), new Uint8Array(0)), null);
  });

  it("ChaCha20-Poly1305 rejects wrong key and nonce sizes", () => {
    assert.throws(() => aeadSealOnce(new Uint8Array(31), new Uint8Array(12), new Uint8Array(1), new Uint8Array(0)), /bad arguments/);
    assert.throws(() => aeadSealOnce(new Uint8Array(32), new Uint8Array(8), new Uint8Array(1), new Uint8Array(0)), /bad arguments/);
  });

  it("HMAC-SHA256: RFC 4231 test cases 1, 2 and 6", () => {
    assert.equal(
      hex(hmacSha256(new Uint8Array(20).fill(0x0b), ["Hi There"])),
      "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
    );
    assert.equal(
      hex(hmacSha256(new TextEncoder().encode("Jefe"), ["what do ya want ", "for nothing?"])),
      "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
    );
    assert.equal(
      hex(hmacSha256(new Uint8Array(131).fill(0xaa), ["Test Using Larger Than Block-Size Key - Hash Key First"])),
      "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
    );
  });

  it("HMAC-SHA256 matches node:crypto across many keys (cache hits, misses and evictions)", () => {
    const keys = Array.from({ length: 12 }, (_, i) => randomBytes([0, 1, 16, 32, 64, 65, 128, 129, 200][i % 9] ?? 32));
    for (let round = 0; round < 1000; round++) {
      const key = keys[randomInt(0, keys.length)] ?? new Uint8Array(0);
      const parts: (Uint8Array | string)[] = [];
      const ref = createHmac("sha256", key);
      for (let p = randomInt(0, 4); p > 0; p--) {
        const part = randomInt(0, 2) === 0 ? randomBytes(randomInt(0, 300)) : `ü|${randomInt(0, 1e9)}|${"x".repeat(randomInt(0, 700))}`;
        parts.push(part);
        ref.update(part);
      }
      assert.equal(hex(hmacSha256(key, parts)), ref.digest("hex"));
    }
  });

  it("HKDF-SHA256: RFC 5869 test cases 1, 2 and 3", () => {
    const ikm = new Uint8Array(22).fill(0x0b);
    // Case 2: 80-byte inputs and three expand blocks (the last one cut).
    const seq = (from: number): Uint8Array => Uint8Array.from({ length: 80 }, (_, i) => from + i);
    assert.equal(
      hex(hkdfSha256(seq(0x00), seq(0x60), seq(0xb0), 82)),
      "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09" +
        "da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87",
    );
    assert.equal(
      hex(hkdfSha256(ikm, h("000102030405060708090a0b0c"), h("f0f1f2f3f4f5f6f7f8f9"), 42)),
      "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
    );
    assert.equal(
      hex(hkdfSha256(ikm, new Uint8Array(0), new Uint8Array(0), 42)),
      "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8",
    );
  });

  it("HKDF-SHA256 matches node:crypto (lengths up to 255 blocks, interleaved with HMACs)", () => {
    for (let round = 0; round < 500; round++) {
      const ikm = randomBytes(randomInt(1, 80));
      const salt = randomBytes(randomInt(0, 80));
      const info = randomBytes(randomInt(0, 80));
      const length = round % 50 === 0 ? randomInt(200, 255 * 32 + 1) : randomInt(1, 200);
      assert.equal(hex(hkdfSha256(ikm, salt, info, length)), Buffer.from(hkdfSync("sha256", ikm, salt, info, length)).toString("hex"));
      // HKDF has HMAC contexts of its own: plain HMACs in between must neither disturb nor be disturbed.
      if (round % 3 === 0) assert.equal(hex(hmacSha256(salt, [info])), createHmac("sha256", salt).update(info).digest("hex"));
    }
    const ikm = randomBytes(32);
    assert.equal(hex(hkdfSha256(ikm, new Uint8Array(0), new Uint8Array(0), 255 * 32)), Buffer.from(hkdfSync("sha256", ikm, new Uint8Array(0), new Uint8Array(0), 255 * 32)).toString("hex"));
    assert.throws(() => hkdfSha256(randomBytes(32), new Uint8Array(0), new Uint8Array(0), 255 * 32 + 1), /bad arguments/);
  });
});
