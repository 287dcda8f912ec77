import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeVersionMessage, encodeVersionMessage, negotiateVersion, isSupportedVersion } from "../src/index.js";

test("version negotiation picks the highest common version or none", () => {
  assert.deepEqual(decodeVersionMessage(encodeVersionMessage()), { min: 1, max: 1 });
  assert.equal(negotiateVersion({ min: 1, max: 3 }, { min: 2, max: 5 }), 3);
  assert.equal(negotiateVersion({ min: 1, max: 1 }, { min: 2, max: 2 }), undefined);
  assert.ok(isSupportedVersion(1));
  assert.ok(!isSupportedVersion(2));
  assert.throws(() => decodeVersionMessage(Uint8Array.of(0xef, 1, 0, 0, 3, 2, 0, 0)), /range/);
});
