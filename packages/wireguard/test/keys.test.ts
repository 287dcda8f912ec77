import { test } from "node:test";
import assert from "node:assert/strict";
import {
  bytesEqual,
  clampPrivateKey,
  generatePresharedKey,
  generatePrivateKey,
  isZeroKey,
  KeyFormatError,
  keyFromBase64,
  keyFromHex,
  keyToBase64,
  keyToHex,
  publicKeyFromPrivate,
} from "../src/crypto/keys.js";

test("the wireguard-tools external-test key pair (WIREGUARD.md §10.3)", () => {
  const priv = keyFromBase64("WAmgVYXkbT2bCtdcDwolI88/iVi/aV3/PHcUBTQSYmo=");
  assert.equal(keyToBase64(publicKeyFromPrivate(priv)), "K5sF9yESrSBsOXPd6TcpKNgqoy1Ik3ZFKl4FolzrRyI=");
});

test("RFC 7748 §6.1: Alice's public key", () => {
  const a = keyFromHex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
  assert.equal(keyToHex(publicKeyFromPrivate(a)), "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
});

test("generated private keys are clamped, PSKs are not", () => {
  const fixed = () => new Uint8Array(32).fill(0xff);
  const k = generatePrivateKey(fixed);
  assert.equal(k[0], 0xf8);
  assert.equal(k[31], 0x7f);
  assert.deepEqual(clampPrivateKey(k), k);
  assert.ok(generatePresharedKey(fixed).every((b) => b === 0xff));
});

test("base64 keys are strict like wg: length, alphabet and canonical final character", () => {
  const good = "K5sF9yESrSBsOXPd6TcpKNgqoy1Ik3ZFKl4FolzrRyI=";
  assert.equal(keyToBase64(keyFromBase64(good)), good);
  // 'J' differs from 'I' only in the low bits that a 32-byte key leaves unused.
  for (const bad of ["", good.slice(0, 43), good + "=", good.replace("=", "A"), good.replace("I=", "J="), good.replace("K", "-")]) {
    assert.throws(() => keyFromBase64(bad), KeyFormatError, bad);
  }
});

test("hex keys parse in either case and print lowercase", () => {
  const hex = "AB".repeat(32);
  assert.equal(keyToHex(keyFromHex(hex)), "ab".repeat(32));
  assert.throws(() => keyFromHex("ab".repeat(31)), KeyFormatError);
  assert.throws(() => keyFromHex("zz".repeat(32)), KeyFormatError);
});

test("zero and equality checks", () => {
  assert.ok(isZeroKey(new Uint8Array(32)));
  assert.ok(!isZeroKey(Uint8Array.of(...new Array(31).fill(0), 1)));
  assert.ok(bytesEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 2)));
  assert.ok(!bytesEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 3)));
  assert.ok(!bytesEqual(Uint8Array.of(1), Uint8Array.of(1, 2)));
});
