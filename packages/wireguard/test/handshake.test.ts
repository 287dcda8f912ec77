// Both deterministic handshake KATs of WIREGUARD.md §11.2, every intermediate
// value the noise functions expose through their trace hook, the two messages
// byte for byte, transport keys, the first transport messages, and the cookie
// reply with the mac2 that follows it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dh, x25519PublicKey } from "../src/crypto/x25519.js";
import { mac } from "../src/crypto/blake2s.js";
import { INITIAL_CHAIN_KEY, INITIAL_HASH } from "../src/noise/constants.js";
import { cookieKey, mac1Key } from "../src/noise/macs.js";
import {
  commitInitiation,
  consumeResponse,
  createInitiation,
  createResponse,
  finishInitiation,
  Handshake,
  HandshakeState,
  openInitiation,
} from "../src/noise/handshake.js";
import { decodeCookieReply, decodeInitiation, decodeResponse } from "../src/noise/messages.js";
import { buildCookieReply, CookieGenerator, encodeCookieSource } from "../src/noise/cookie.js";
import { createTransportAead } from "@plug/fastpath";
import { openTransport, sealTransport } from "../src/noise/transport.js";
import { parseIp } from "../src/net/address.js";

interface Kat {
  inputs: Record<string, string>;
  trace: [string, string][];
}
const kats = JSON.parse(readFileSync("/work/shared/reference/kat_vectors.json", "utf8")) as Record<string, Kat>;
const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, "hex"));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

/** Trace rows in order; mac1/mac2 and some names appear twice (message 1, then message 2). */
function rows(kat: Kat, name: string): string[] {
  const exact = kat.trace.filter(([k]) => k === name);
  if (exact.length > 0) return exact.map(([, v]) => v);
  return kat.trace.filter(([k]) => k.startsWith(name)).map(([, v]) => v);
}
function row(kat: Kat, name: string, occurrence = 0): string {
  const v = rows(kat, name)[occurrence];
  assert.ok(v !== undefined, `trace row ${name}`);
  return v;
}

for (const [name, kat] of Object.entries(kats)) {
  test(`handshake KAT ${name}`, () => {
    const inp = kat.inputs;
    const get = (k: string): Uint8Array => hex(inp[k] ?? assert.fail(`input ${k}`));
    const siPriv = get("Si_priv");
    const srPriv = get("Sr_priv");
    const siPub = x25519PublicKey(siPriv);
    const srPub = x25519PublicKey(srPriv);
    assert.equal(toHex(siPub), inp.Si_pub);
    assert.equal(toHex(srPub), inp.Sr_pub);
    const psk = get("psk");
    const iIndex = Number(inp.initiator_sender_index);
    const rIndex = Number(inp.responder_sender_index);

    assert.equal(toHex(INITIAL_CHAIN_KEY), row(kat, "Ci"));
    assert.equal(toHex(INITIAL_HASH), row(kat, "Hi"));
    assert.equal(toHex(mac1Key(srPub)), row(kat, "mac1 key initiator->responder"));
    assert.equal(toHex(cookieKey(srPub)), row(kat, "cookie key of responder"));
    const ss = dh(siPriv, srPub);
    assert.ok(ss);
    assert.equal(toHex(ss), row(kat, "DH(Si_priv,Sr_pub)"));

    // Initiator: message 1.
    const seen = new Map<string, string>();
    const trace = (label: string, v: Uint8Array): void => void seen.set(label, toHex(v));
    const ini = new Handshake();
    const m1 = createInitiation(
      ini,
      { localPublic: siPub, remotePublic: srPub, staticShared: ss, ephemeralPrivate: get("Ei_priv"), timestamp: get("timestamp"), senderIndex: iIndex },
      trace,
    );
    assert.ok(m1);
    for (const label of ["H0", "Epub_i", "C1", "H1", "C2", "k_static", "encrypted_static", "H2", "C3", "k_timestamp", "encrypted_timestamp", "H3"]) {
      assert.equal(seen.get(label), row(kat, label), `initiator ${label}`);
    }
    const initiatorCookies = new CookieGenerator(srPub);
    initiatorCookies.addMacs(m1, 0);
    assert.equal(toHex(m1.subarray(116, 132)), row(kat, "mac1", 0));
    assert.equal(toHex(m1.subarray(132)), row(kat, "mac2", 0));
    assert.equal(toHex(m1), row(kat, "MESSAGE 1"));
    assert.equal(ini.state, HandshakeState.InitiationCreated);

    // Responder consumes message 1.
    const msg1 = decodeInitiation(m1);
    assert.ok(msg1);
    const rseen = new Map<string, string>();
    const rtrace = (label: string, v: Uint8Array): void => void rseen.set(label, toHex(v));
    const opened = openInitiation(msg1, srPriv, srPub, rtrace);
    assert.ok(opened);
    assert.deepEqual(opened.initiatorStatic, siPub);
    const consumed = finishInitiation(msg1, opened, dh(srPriv, siPub), rtrace);
    assert.ok(consumed);
    assert.equal(toHex(consumed.timestamp), inp.timestamp);
    for (const label of ["C1", "H1", "C2", "H2", "C3", "H3"]) assert.equal(rseen.get(label), row(kat, label), `responder ${label}`);
    const res = new Handshake();
    commitInitiation(res, msg1, consumed, 0);

    // Responder: message 2.
    const created = createResponse(res, { initiatorStatic: siPub, ephemeralPrivate: get("Er_priv"), senderIndex: rIndex, presharedKey: psk }, rtrace);
    assert.ok(created);
    for (const label of ["Epub_r", "C4", "H4", "C5", "C6", "C7", "tau", "k_empty", "H5", "encrypted_nothing", "H6"]) {
      assert.equal(rseen.get(label), row(kat, label), `responder ${label}`);
    }
    const responderCookies = new CookieGenerator(siPub);
    responderCookies.addMacs(created.message, 0);
    assert.equal(toHex(created.message.subarray(60, 76)), row(kat, "mac1", 1));
    assert.equal(toHex(created.message.subarray(76)), row(kat, "mac2", 1));
    assert.equal(toHex(created.message), row(kat, "MESSAGE 2"));
    assert.equal(toHex(created.keys.receive), row(kat, "T_responder_recv"));
    assert.equal(toHex(created.keys.send), row(kat, "T_responder_send"));

    // Initiator consumes message 2.
    const msg2 = decodeResponse(created.message);
    assert.ok(msg2);
    const keys = consumeResponse(ini, msg2, { localPrivate: siPriv, presharedKey: psk }, trace);
    assert.ok(keys);
    for (const label of ["C4", "H4", "C5", "C6", "C7", "tau", "H5", "H6"]) assert.equal(seen.get(label), row(kat, label), `initiator ${label}`);
    assert.equal(toHex(keys.send), row(kat, "T_initiator_send"));
    assert.equal(toHex(keys.receive), row(kat, "T_initiator_recv"));
    assert.equal(ini.remoteIndex, rIndex);

    // First transport messages.
    const keepalive = sealTransport(createTransportAead(keys.send, true), rIndex, 0n, new Uint8Array(0), 1420);
    assert.equal(toHex(keepalive), row(kat, "initiator keepalive"));
    assert.deepEqual(openTransport(createTransportAead(created.keys.receive, false), keepalive), new Uint8Array(0));
    const hello = sealTransport(createTransportAead(created.keys.send, true), iIndex, 0n, new TextEncoder().encode("hello"), 1420);
    assert.equal(toHex(hello), row(kat, "responder data 'hello'"));
    const opened5 = openTransport(createTransportAead(keys.receive, false), hello);
    assert.ok(opened5);
    assert.equal(Buffer.from(opened5.subarray(0, 5)).toString(), "hello");

    // Cookie reply for message 1 from 192.0.2.1:51820, then message 1 again with mac2.
    const cookie = mac(hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"), encodeCookieSource(parseIp("192.0.2.1"), 51820));
    assert.equal(toHex(cookie), row(kat, "cookie = MAC"));
    const nonce = Uint8Array.from({ length: 24 }, (_, i) => 0x40 + i);
    const reply = buildCookieReply(m1, cookieKey(srPub), cookie, nonce);
    assert.equal(toHex(reply), row(kat, "COOKIE REPLY"));
    const decoded = decodeCookieReply(reply);
    assert.ok(decoded);
    assert.equal(initiatorCookies.consumeReply(decoded, 1000), true);
    const resent = Uint8Array.from(m1);
    initiatorCookies.addMacs(resent, 2000);
    assert.equal(toHex(resent.subarray(132)), row(kat, "MESSAGE 1 resent with mac2"));
  });
}

test("a response only completes the initiation it answers", () => {
  const kat = kats.zero_psk;
  assert.ok(kat);
  const g = (k: string): Uint8Array => hex(kat.inputs[k] ?? "");
  const siPub = x25519PublicKey(g("Si_priv"));
  const srPub = x25519PublicKey(g("Sr_priv"));
  const ini = new Handshake();
  const m1 = createInitiation(ini, { localPublic: siPub, remotePublic: srPub, staticShared: dh(g("Si_priv"), srPub), ephemeralPrivate: g("Ei_priv"), timestamp: g("timestamp"), senderIndex: 1 });
  assert.ok(m1);
  const msg1 = decodeInitiation(m1);
  assert.ok(msg1);
  const opened = openInitiation(msg1, g("Sr_priv"), srPub);
  assert.ok(opened);
  const consumed = finishInitiation(msg1, opened, dh(g("Sr_priv"), siPub));
  assert.ok(consumed);
  const res = new Handshake();
  commitInitiation(res, msg1, consumed, 0);
  const created = createResponse(res, { initiatorStatic: siPub, ephemeralPrivate: g("Er_priv"), senderIndex: 2, presharedKey: new Uint8Array(32) });
  assert.ok(created);
  const tampered = Uint8Array.from(created.message);
  tampered[50] = (tampered[50] ?? 0) ^ 1;
  const bad = decodeResponse(tampered);
  assert.ok(bad);
  assert.equal(consumeResponse(ini, bad, { localPrivate: g("Si_priv"), presharedKey: new Uint8Array(32) }), null);
  assert.equal(ini.state, HandshakeState.InitiationCreated, "a forged response leaves the pending initiation intact");
  // Wrong PSK fails authentication.
  const good = decodeResponse(created.message);
  assert.ok(good);
  assert.equal(consumeResponse(ini, good, { localPrivate: g("Si_priv"), presharedKey: new Uint8Array(32).fill(1) }), null);
  // A wrong responder key cannot even read the static.
  assert.equal(openInitiation(msg1, g("Si_priv"), siPub), null);
});
