// Proves the raw peer against the §11.2 vectors before it is trusted to judge a daemon.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  consumeInitiation, consumeResponse, createInitiation, createResponse, dhPublic, kdf, makeCookieReply, mac,
  openCookieReply, Session, stampMacs, INITIAL_CHAIN, INITIAL_HASH, mac1Key, cookieKey, dh,
} from "../support/rawpeer/index.js";

interface Kat { inputs: Record<string, string>; trace: [string, string][] }
const kats = JSON.parse(readFileSync("/work/shared/reference/kat_vectors.json", "utf8")) as Record<string, Kat>;

const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, "hex"));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

function traced(kat: Kat, prefix: string): string {
  const row = kat.trace.find(([k]) => k.startsWith(prefix));
  assert.ok(row, `trace row ${prefix}`);
  return row[1];
}

test("KDF vectors of WG-GO kdf_test.go (§11.1)", () => {
  // WG-GO names the three KDF outputs t0, t1, t2.
  const out = kdf(3, Buffer.from("test-key"), Buffer.from("test-input")).map(toHex);
  assert.deepEqual(out, [
    "6f0e5ad38daba1bea8a0d213688736f19763239305e0f58aba697f9ffc41c633",
    "df1194df20802a4fe594cde27e92991c8cae66c366e8106aaa937a55fa371e8a",
    "fac6e2745a325f5dc5d11a5b165aad08b0ada28e7b4e666b7c077934a4d76c24",
  ]);
  const empty = kdf(3, new Uint8Array(0), new Uint8Array(0)).map(toHex);
  assert.deepEqual(empty, [
    "8387b46bf43eccfcf349552a095d8315c4055beb90208fb1be23b894bc2ed5d0",
    "58a0e5f6faefccf4807bff1f05fa8a9217945762040bcec2f4b4a62bdfe0e86e",
    "0ce6ea98ec548f8e281e93e32db65621c45eb18dc6f0a7ad94178610a2f7338e",
  ]);
});

for (const [name, kat] of Object.entries(kats)) {
  test(`KAT ${name}: messages 1 and 2, first transport messages, cookie reply`, () => {
    const inp = kat.inputs as Record<string, string>;
    const initiator = { privateKey: hex(inp.Si_priv!), publicKey: hex(inp.Si_pub!) };
    const responder = { privateKey: hex(inp.Sr_priv!), publicKey: hex(inp.Sr_pub!) };
    assert.equal(toHex(dhPublic(initiator.privateKey)), inp.Si_pub);
    assert.equal(toHex(INITIAL_CHAIN), traced(kat, "Ci="));
    assert.equal(toHex(INITIAL_HASH), traced(kat, "Hi="));
    assert.equal(toHex(mac1Key(responder.publicKey)), traced(kat, "mac1 key"));
    assert.equal(toHex(cookieKey(responder.publicKey)), traced(kat, "cookie key"));
    assert.equal(toHex(dh(initiator.privateKey, responder.publicKey)!), traced(kat, "DH(Si_priv"));
    const psk = hex(inp.psk!);
    const iSender = Number(inp.initiator_sender_index);
    const rSender = Number(inp.responder_sender_index);

    const { bytes: m1, pending } = createInitiation({
      local: initiator, remoteStatic: responder.publicKey, ephemeralPrivate: hex(inp.Ei_priv!),
      sender: iSender, timestamp: hex(inp.timestamp!),
    });
    assert.equal(toHex(m1), traced(kat, "MESSAGE 1"));
    assert.equal(toHex(pending.hash), traced(kat, "H3"));

    const consumed = consumeInitiation(responder, m1);
    assert.ok(consumed, "responder opens message 1");
    assert.equal(toHex(consumed.remoteStatic), inp.Si_pub);
    assert.equal(toHex(consumed.timestamp), inp.timestamp);
    const { bytes: m2, keypair: rk } = createResponse({ consumed, psk, ephemeralPrivate: hex(inp.Er_priv!), sender: rSender });
    assert.equal(toHex(m2), traced(kat, "MESSAGE 2"));
    assert.equal(toHex(rk.recvKey), traced(kat, "T_responder_recv"));
    assert.equal(toHex(rk.sendKey), traced(kat, "T_responder_send"));

    const ik = consumeResponse(pending, psk, m2);
    assert.ok(ik, "initiator opens message 2");
    assert.equal(toHex(ik.sendKey), traced(kat, "T_initiator_send"));
    assert.equal(toHex(ik.recvKey), traced(kat, "T_initiator_recv"));
    // The wrong PSK must not open the response: proves the psk step is really mixed in.
    assert.equal(consumeResponse(pending, hex("11".repeat(32)), m2), null);

    const iSession = new Session(ik);
    const rSession = new Session(rk);
    const keepalive = iSession.seal(new Uint8Array(0));
    assert.equal(toHex(keepalive), traced(kat, "initiator keepalive"));
    const hello = rSession.seal(Buffer.from("hello"));
    assert.equal(toHex(hello), traced(kat, "responder data"));
    const opened = iSession.open(hello);
    assert.ok(opened);
    assert.equal(opened.plaintext.length, 16);
    assert.equal(Buffer.from(opened.plaintext.subarray(0, 5)).toString(), "hello");
    assert.equal(rSession.open(keepalive)?.plaintext.length, 0);

    const secret = hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
    const nonce = hex("404142434445464748494a4b4c4d4e4f5051525354555657");
    const reply = makeCookieReply({
      ownStatic: responder.publicKey, secret, sourceAddress: Uint8Array.of(192, 0, 2, 1), sourcePort: 51820,
      receiver: iSender, answeredMac1: pending.mac1, nonce,
    });
    assert.equal(toHex(reply.cookie), traced(kat, "cookie ="));
    assert.equal(toHex(reply.bytes), traced(kat, "COOKIE REPLY"));
    const cookie = openCookieReply(reply.bytes.subarray(8, 32), reply.bytes.subarray(32, 64), responder.publicKey, pending.mac1);
    assert.ok(cookie);
    const resent = Uint8Array.from(m1);
    stampMacs(resent, responder.publicKey, cookie);
    assert.equal(toHex(resent.subarray(132)), traced(kat, "MESSAGE 1 resent"));
    assert.equal(toHex(mac(cookie, m1.subarray(0, 132))), traced(kat, "MESSAGE 1 resent"));
  });
}
