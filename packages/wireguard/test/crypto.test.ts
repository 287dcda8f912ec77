// Official vectors for the primitives (WIREGUARD.md §11.1). Where a vector
// table is too long to copy, expected values come from an independent
// implementation (unkeyed BLAKE2s: @noble/hashes vs OpenSSL; keyed BLAKE2s:
// values produced once with Python's hashlib.blake2s and pasted here).
import { test } from "node:test";
import { createSecretKey } from "node:crypto";
import assert from "node:assert/strict";
import { blake2s } from "@noble/hashes/blake2.js";
import { hchacha } from "@noble/ciphers/chacha.js";
import { hash, mac } from "../src/crypto/blake2s.js";
import { aeadOpen, aeadSeal, chachaPolyOpen, chachaPolySeal, xaeadOpen, xaeadSeal } from "../src/crypto/aead.js";
import { dh, x25519PublicKey, generateKeypair } from "../src/crypto/x25519.js";
import { compareTai64n, Tai64nGenerator } from "../src/crypto/tai64n.js";
import { keyFromBase64 } from "../src/crypto/keys.js";

const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/\s+/g, ""), "hex"));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const seq = (n: number, start = 0): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (start + i) & 0xff);

test("BLAKE2s-256 of the empty string", () => {
  assert.equal(toHex(hash(new Uint8Array(0))), "69217a3079908094e11121d042354a7c1f55b6482ca1a51e1b250dfd1ed0eef9");
});

test("BLAKE2s-256 over 00..(i-1) for i = 0..255 agrees with an independent implementation", () => {
  for (let i = 0; i < 256; i++) {
    const input = seq(i);
    assert.equal(toHex(hash(input)), toHex(blake2s(input)), `length ${i}`);
  }
});

test("HASH over several parts equals HASH of the concatenation", () => {
  assert.equal(toHex(hash(seq(10), seq(70, 10))), toHex(hash(seq(80))));
});

test("keyed BLAKE2s (key 00..1f) matches the BLAKE2 KAT and hashlib", () => {
  const key = seq(32);
  // blake2s-kat.txt, first two entries (32-byte digests).
  assert.equal(toHex(blake2s(new Uint8Array(0), { key })), "48a8997da407876b3d79c0d92325ad3b89cbb754d86ab71aee047ad345fd2c49");
  assert.equal(toHex(blake2s(seq(1), { key })), "40d15fee7c328830166ac3f918650f807e7e01e177258cdc0a39b11f598066f1");
  // 16-byte digest with the 32- and 16-byte keys WireGuard uses (hashlib.blake2s(..., digest_size=16)).
  const expected: [number, string, string][] = [
    [0, "9536f9b267655743dee97b8a670f9f53", "af4e5d3bb230e9ff9096ca6f7c501f76"],
    [1, "13bacfb85b48a1223c595f8c1e7e82cb", "881e42e7bb358082637c0a0fd7ec6c2f"],
    [63, "ece382a8bd5018f1de5da44b72cea75b", "2151a1ac11ef2763a427614c612b3de0"],
    [64, "f1efa90d2547036841ecd3627fafbc36", "dd55c51c98f8ab96ed272882941f0b6a"],
    [65, "811ff8686d23a435ecbd0bdafcd27b1b", "9018c671bb7e94a6d540a91765bbecad"],
    [255, "cd075928ab7e6883e697fe7fd3ac43ee", "b2953795123bd6b890ef3b6fa8b9bae2"],
  ];
  for (const [n, with32, with16] of expected) {
    assert.equal(toHex(mac(key, seq(n))), with32, `len ${n}, 32-byte key`);
    assert.equal(toHex(mac(key.subarray(0, 16), seq(n))), with16, `len ${n}, 16-byte key`);
  }
  // The 16-byte MAC is not a truncated 32-byte digest (§12 pitfall 1).
  assert.notEqual(toHex(mac(key, seq(1))), toHex(blake2s(seq(1), { key })).slice(0, 32));
});

test("X25519 RFC 7748 §6.1", () => {
  const a = hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
  const b = hex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
  const A = hex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
  const B = hex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
  assert.equal(toHex(x25519PublicKey(a)), toHex(A));
  assert.equal(toHex(x25519PublicKey(b)), toHex(B));
  const shared = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";
  assert.equal(toHex(dh(a, B) ?? new Uint8Array()), shared);
  assert.equal(toHex(dh(b, A) ?? new Uint8Array()), shared);
});

test("X25519 public key of the wireguard-tools base64 pair", () => {
  const priv = keyFromBase64("WAmgVYXkbT2bCtdcDwolI88/iVi/aV3/PHcUBTQSYmo=");
  assert.equal(Buffer.from(x25519PublicKey(priv)).toString("base64"), "K5sF9yESrSBsOXPd6TcpKNgqoy1Ik3ZFKl4FolzrRyI=");
});

test("X25519 with a low-order point yields null, never a zero key", () => {
  const priv = generateKeypair(() => seq(32, 7)).privateKey;
  assert.equal(dh(priv, new Uint8Array(32)), null);
  const one = new Uint8Array(32);
  one[0] = 1;
  assert.equal(dh(priv, one), null);
});

const LADIES = new TextEncoder().encode(
  "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
);
const RFC_KEY = seq(32, 0x80);
const RFC_AAD = hex("50515253c0c1c2c3c4c5c6c7");

test("ChaCha20-Poly1305 RFC 8439 §2.8.2", () => {
  const nonce = hex("070000004041424344454647");
  const expected =
    "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc3ff4def08e4b7a9de576d26586cec64b6116" +
    "1ae10b594f09e26a7e902ecbd0600691";
  const sealed = chachaPolySeal(RFC_KEY, nonce, LADIES, RFC_AAD);
  assert.equal(toHex(sealed), expected);
  assert.deepEqual(chachaPolyOpen(RFC_KEY, nonce, sealed, RFC_AAD), LADIES);
  const tampered = Uint8Array.from(sealed);
  tampered[5] = (tampered[5] ?? 0) ^ 1;
  assert.equal(chachaPolyOpen(RFC_KEY, nonce, tampered, RFC_AAD), null);
  assert.equal(chachaPolyOpen(RFC_KEY, nonce, sealed.subarray(0, 15), RFC_AAD), null);
});

test("WireGuard AEAD nonce is 4 zero bytes then the counter little-endian", () => {
  const counter = 0x0102030405060708n;
  const viaNonce = chachaPolySeal(RFC_KEY, hex("000000000807060504030201"), LADIES);
  assert.deepEqual(aeadSeal(RFC_KEY, counter, LADIES), viaNonce);
  assert.deepEqual(aeadOpen(RFC_KEY, counter, viaNonce), LADIES);
  assert.equal(aeadOpen(RFC_KEY, counter + 1n, viaNonce), null);
});

test("ChaCha20-Poly1305 on raw keys (the addon's one-shot call) agrees with node:crypto for every short length", () => {
  // The handshake's AEADs go through the addon for Uint8Array keys and through
  // node:crypto for KeyObjects: both must produce the same bytes.
  const key = seq(32, 0x11);
  const keyObject = createSecretKey(key);
  const nonce = seq(12, 0x22);
  for (let n = 0; n <= 48; n += 1) {
    for (const aadLength of [0, 1, 32]) {
      const plain = seq(n, n);
      const aad = seq(aadLength, 0x33);
      const sealed = chachaPolySeal(key, nonce, plain, aad);
      assert.equal(toHex(sealed), toHex(chachaPolySeal(keyObject, nonce, plain, aad)), `length ${n}, aad ${aadLength}`);
      assert.deepEqual(chachaPolyOpen(key, nonce, sealed, aad), plain);
      assert.deepEqual(chachaPolyOpen(keyObject, nonce, sealed, aad), plain);
      const tampered = Uint8Array.from(sealed);
      tampered[sealed.length - 1] = (tampered[sealed.length - 1] ?? 0) ^ 0x80;
      assert.equal(chachaPolyOpen(key, nonce, tampered, aad), null);
      if (aadLength > 0) assert.equal(chachaPolyOpen(key, nonce, sealed, seq(aadLength, 0x34)), null);
    }
  }
  assert.throws(() => chachaPolySeal(seq(31), nonce, LADIES), /bad arguments/);
});

test("HChaCha20 (draft-irtf-cfrg-xchacha §2.2.1)", () => {
  const words = (b: Uint8Array): Uint32Array => {
    const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
    return Uint32Array.from({ length: b.length / 4 }, (_, i) => v.getUint32(i * 4, true));
  };
  const sigma = Uint32Array.of(0x61707865, 0x3320646e, 0x79622d32, 0x6b206574);
  const out = new Uint32Array(8);
  hchacha(sigma, words(seq(32)), words(hex("000000090000004a0000000031415927")), out);
  const bytes = new Uint8Array(32);
  const v = new DataView(bytes.buffer);
  out.forEach((w, i) => v.setUint32(i * 4, w, true));
  assert.equal(toHex(bytes), "82413b4227b27bfed30e42508a877d73a0f9e4d58a74a853c12ec41326d3ecdc");
});

test("XChaCha20-Poly1305 draft-irtf-cfrg-xchacha §A.3.1", () => {
  const nonce = seq(24, 0x40);
  const expected =
    "bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54c216cb96b72e1213b4522f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff921f9664c97637da9768812f615c68b13b52e" +
    "c0875924c1c7987947deafd8780acf49";
  const sealed = xaeadSeal(RFC_KEY, nonce, LADIES, RFC_AAD);
  assert.equal(toHex(sealed), expected);
  assert.deepEqual(xaeadOpen(RFC_KEY, nonce, sealed, RFC_AAD), LADIES);
  assert.equal(xaeadOpen(RFC_KEY, nonce, sealed, RFC_AAD.subarray(1)), null);
});

test("TAI64N: whitened to 2^24 ns and strictly increasing even when the clock stalls or jumps back", () => {
  let wall = { sec: 1700000000, nsec: 123456789 };
  const gen = new Tai64nGenerator(() => wall);
  const first = gen.now();
  assert.equal(toHex(first), "400000006553f10a07000000");
  const second = gen.now();
  assert.ok(compareTai64n(second, first) > 0);
  wall = { sec: 1600000000, nsec: 0 };
  const third = gen.now();
  assert.ok(compareTai64n(third, second) > 0);
  wall = { sec: 1700000001, nsec: 999999999 };
  const fourth = gen.now();
  assert.equal(toHex(fourth), "400000006553f10b3b000000");
});
