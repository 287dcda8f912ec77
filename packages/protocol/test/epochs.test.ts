import { test } from "node:test";
import assert from "node:assert/strict";
import { activeEpochs, epochAt, EPOCH_SECONDS, roleOf } from "../src/index.js";

test("clients hold the neighbouring epoch's rid only near a boundary", () => {
  const start = 1000 * EPOCH_SECONDS;
  assert.deepEqual(activeEpochs(start + 1800), [1000n]);
  assert.deepEqual(activeEpochs(start + EPOCH_SECONDS - 10), [1000n, 1001n]);
  assert.deepEqual(activeEpochs(start + 10), [999n, 1000n]);
  assert.equal(epochAt(start - 1), 999n);
});

test("roles are antisymmetric and a key cannot pair with itself", () => {
  const a = new Uint8Array(32).fill(1);
  const b = new Uint8Array(32).fill(2);
  assert.equal(roleOf(a, b), 0);
  assert.equal(roleOf(b, a), 1);
  assert.throws(() => roleOf(a, a));
});

test("OpenSSL-generated key pairs agree with the base-point multiplication", async () => {
  const { generateKeyPair, publicKeyFromPrivate } = await import("../src/index.js");
  for (let i = 0; i < 20; i++) {
    const k = generateKeyPair();
    assert.deepEqual(publicKeyFromPrivate(k.privateKey), k.publicKey);
  }
});
