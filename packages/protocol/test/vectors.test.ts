// Frozen vectors: the wire format and every derivation, byte for byte. The
// pair key is also recomputed with an independent implementation (@noble) so
// the frozen value is not just "whatever the code did".
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { x25519 } from "@noble/curves/ed25519.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { computeVectors } from "./vector-cases.js";

const frozen = JSON.parse(readFileSync(new URL("./vectors.json", import.meta.url), "utf8")) as Record<string, string>;
const h = (s: string | undefined): Uint8Array => Uint8Array.from(Buffer.from(s ?? "", "hex"));
const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

test("every frozen vector is reproduced byte for byte", () => {
  const now = computeVectors();
  assert.deepEqual(Object.keys(now).sort(), Object.keys(frozen).sort());
  for (const [name, value] of Object.entries(frozen)) assert.equal(now[name], value, name);
});

test("pair key and rid match an independent HKDF/HMAC/X25519 implementation", () => {
  const ss = x25519.getSharedSecret(h(frozen.privA), h(frozen.pubB));
  const [lo, hi] = frozen.roleA === "0" ? [h(frozen.pubA), h(frozen.pubB)] : [h(frozen.pubB), h(frozen.pubA)];
  const ikm = new Uint8Array(64);
  ikm.set(ss);
  const salt = new Uint8Array(64);
  salt.set(lo);
  salt.set(hi, 32);
  const k = hkdf(sha256, ikm, salt, new TextEncoder().encode("plug/v1/pair-key"), 32);
  assert.equal(hex(k), frozen.pairKey);
  const ikmPsk = Uint8Array.from(ikm);
  ikmPsk.set(h(frozen.psk), 32);
  assert.equal(hex(hkdf(sha256, ikmPsk, salt, new TextEncoder().encode("plug/v1/pair-key"), 32)), frozen.pairKeyWithPsk);
  const epoch = new Uint8Array(8);
  new DataView(epoch.buffer).setBigUint64(0, BigInt(frozen.epoch ?? "0"));
  const msg = new Uint8Array([...new TextEncoder().encode("plug/v1/rid"), ...epoch]);
  assert.equal(hex(hmac(sha256, k, msg).subarray(0, 16)), frozen.rid);
  assert.equal(frozen.pairKey, frozen.pairKeyFromB, "both sides derive the same K_AB");
  assert.notEqual(frozen.pairKey, frozen.pairKeyWithPsk, "the PSK changes K_AB");
  assert.notEqual(frozen.rid, frozen.ridNextEpoch, "rids rotate per epoch");
});
