// The addon's X25519 (native/x25519.c) on its own, below @plug/wireguard's dh(),
// which adds an all-zero check of its own: RFC 7748's vectors, and low-order
// points refused by the derive itself, since the addon asks OpenSSL not to
// validate peer keys (for X25519 that validation only checks that a public
// part exists; what matters is the all-zero result, and the derive refuses it).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createPrivateKey, createPublicKey, diffieHellman, randomBytes } from "node:crypto";
import { x25519Derive, x25519PrivateKey } from "../src/index.js";

const h = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, "hex"));
const hex = (b: Uint8Array | null): string => (b === null ? "null" : Buffer.from(b).toString("hex"));

describe("X25519 through the addon", () => {
  it("RFC 7748 §6.1: both public keys and the shared secret, in both directions", () => {
    const a = x25519PrivateKey(h("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"));
    const b = x25519PrivateKey(h("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"));
    assert.equal(hex(a.publicKey), "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
    assert.equal(hex(b.publicKey), "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
    const shared = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";
    // Twice each: the second derive reuses the key's derive context with a new peer.
    for (let i = 0; i < 2; i++) {
      assert.equal(hex(x25519Derive(a, b.publicKey)), shared);
      assert.equal(hex(x25519Derive(b, a.publicKey)), shared);
    }
  });

  it("RFC 7748 §5.2: the scalar multiplication vector", () => {
    const k = x25519PrivateKey(h("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4"));
    assert.equal(hex(x25519Derive(k, h("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c"))), "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552");
  });

  it("matches node:crypto on random keys", () => {
    for (let i = 0; i < 50; i++) {
      const priv = randomBytes(32);
      const peer = x25519PrivateKey(randomBytes(32)).publicKey;
      const ours = x25519Derive(x25519PrivateKey(priv), peer);
      const theirs = diffieHellman({
        privateKey: createPrivateKey({ key: Buffer.concat([Buffer.from("302e020100300506032b656e04220420", "hex"), priv]), format: "der", type: "pkcs8" }),
        publicKey: createPublicKey({ key: { kty: "OKP", crv: "X25519", x: Buffer.from(peer).toString("base64url") }, format: "jwk" }),
      });
      assert.equal(hex(ours), theirs.toString("hex"));
    }
  });

  it("low-order points give null (the derive refuses the all-zero secret), and the key still works after", () => {
    const k = x25519PrivateKey(randomBytes(32));
    const other = x25519PrivateKey(randomBytes(32));
    const lowOrder = [
      "0000000000000000000000000000000000000000000000000000000000000000",
      "0100000000000000000000000000000000000000000000000000000000000000",
      "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
      "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
      "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    ];
    for (const p of lowOrder) assert.equal(x25519Derive(k, h(p)), null, p);
    assert.equal(hex(x25519Derive(k, other.publicKey)), hex(x25519Derive(other, k.publicKey)));
  });
});
