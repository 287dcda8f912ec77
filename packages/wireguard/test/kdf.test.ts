// WG-GO device/kdf_test.go vectors (WIREGUARD.md §11.1).
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { hash, hmac, kdf1, kdf2, kdf3 } from "../src/crypto/blake2s.js";

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);
const toHex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

const vectors = [
  {
    key: ascii("test-key"),
    input: ascii("test-input"),
    t0: "6f0e5ad38daba1bea8a0d213688736f19763239305e0f58aba697f9ffc41c633",
    t1: "df1194df20802a4fe594cde27e92991c8cae66c366e8106aaa937a55fa371e8a",
    t2: "fac6e2745a325f5dc5d11a5b165aad08b0ada28e7b4e666b7c077934a4d76c24",
  },
  {
    key: ascii("wireguard"),
    input: ascii("wireguard"),
    t0: "491d43bbfdaa8750aaf535e334ecbfe5129967cd64635101c566d4caefda96e8",
    t1: "1e71a379baefd8a79aa4662212fcafe19a23e2b609a3db7d6bcba8f560e3d25f",
    t2: "31e1ae48bddfbe5de38f295e5452b1909a1b4e38e183926af3780b0c1e1f0160",
  },
  {
    key: new Uint8Array(0),
    input: new Uint8Array(0),
    t0: "8387b46bf43eccfcf349552a095d8315c4055beb90208fb1be23b894bc2ed5d0",
    t1: "58a0e5f6faefccf4807bff1f05fa8a9217945762040bcec2f4b4a62bdfe0e86e",
    t2: "0ce6ea98ec548f8e281e93e32db65621c45eb18dc6f0a7ad94178610a2f7338e",
  },
];

for (const v of vectors) {
  test(`KDF1/2/3 key="${Buffer.from(v.key).toString()}"`, () => {
    // WG-GO's t0/t1/t2 are KDF3's three outputs.
    const [t0, t1, t2] = kdf3(v.key, v.input);
    assert.equal(toHex(t0), v.t0);
    assert.equal(toHex(t1), v.t1);
    assert.equal(toHex(t2), v.t2);
    const [a, b] = kdf2(v.key, v.input);
    assert.equal(toHex(a), v.t0);
    assert.equal(toHex(b), v.t1);
    assert.equal(toHex(kdf1(v.key, v.input)), v.t0);
  });
}

test("HMAC-BLAKE2s of several parts equals HMAC of the concatenation", () => {
  assert.deepEqual(hmac(ascii("k"), ascii("ab"), ascii("cd")), hmac(ascii("k"), ascii("abcd")));
});

test("the native KDF and HASH equal the construction over node:crypto's HMAC/hash (random inputs and lengths)", () => {
  for (let i = 0; i < 50; i++) {
    const key = randomBytes(i % 3 === 0 ? 32 : 1 + (i % 80));
    const input = randomBytes(i * 3);
    const t0 = hmac(key, input);
    const t1 = hmac(t0, Uint8Array.of(1));
    const t2 = hmac(t0, t1, Uint8Array.of(2));
    const t3 = hmac(t0, t2, Uint8Array.of(3));
    assert.deepEqual(kdf3(key, input), [t1, t2, t3]);
    assert.deepEqual(kdf2(key, input), [t1, t2]);
    assert.deepEqual(kdf1(key, input), t1);
    assert.deepEqual(hash(key, input), new Uint8Array(createHash("blake2s256").update(key).update(input).digest()));
  }
});
