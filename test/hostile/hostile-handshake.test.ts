// Hostile handshakes that pass the cheap mac1 filter and so reach the Noise
// code: bit-flipped initiations and responses re-stamped with a valid mac1,
// and messages whose ephemeral key is a low-order point (every DH with it is
// zero, which §1 says must be rejected; a builder that assumes zero DH output
// makes the rest of the message decrypt, so only that rule can stop it).
// None may be answered or disturb the handshake state: the genuine message sent
// right after must still work. Sent slowly, so no daemon considers itself under
// load and answers with cookie replies instead.
import { test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { CheckLab, implsToCheck, PEER_TUNNEL_ADDRESS, TUN_ADDRESS } from "../checker/lab.js";
import {
  INITIAL_CHAIN, INITIAL_HASH, aeadSeal, echoReplyFor, echoRequest, encodeInitiation, encodeResponse, hash, kdf,
  messageType, parseIpv4, stampMacs, dh, type RawPeer,
} from "../support/rawpeer/index.js";
import { Prng } from "./mutate.js";

const ZERO32 = new Uint8Array(32);
/** Low-order X25519 points: u = 0 and a point of order 8 (its DH with any clamped scalar is zero). */
const LOW_ORDER = [ZERO32, new Uint8Array(Buffer.from("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800", "hex"))];

/** An initiation whose ephemeral is `ephemeral` and whose es is taken to be all zero. */
function lowOrderInitiation(peer: RawPeer, ephemeral: Uint8Array, sender: number): Uint8Array {
  let c = kdf(1, INITIAL_CHAIN, ephemeral)[0]!;
  let h = hash(hash(INITIAL_HASH, peer.daemonStatic), ephemeral);
  let k: Uint8Array;
  [c, k] = kdf(2, c, ZERO32) as [Uint8Array, Uint8Array];
  const encryptedStatic = aeadSeal(k, 0n, peer.identity.publicKey, h);
  h = hash(h, encryptedStatic);
  [c, k] = kdf(2, c, dh(peer.identity.privateKey, peer.daemonStatic)!) as [Uint8Array, Uint8Array];
  const encryptedTimestamp = aeadSeal(k, 0n, peer.nextTimestamp(), h);
  const bytes = encodeInitiation({ sender, ephemeral, encryptedStatic, encryptedTimestamp, mac1: new Uint8Array(16), mac2: new Uint8Array(16) });
  stampMacs(bytes, peer.daemonStatic, null);
  return bytes;
}

function flipAndRestamp(rng: Prng, genuine: Uint8Array, from: number, to: number, receiverStatic: Uint8Array): Uint8Array {
  const m = Uint8Array.from(genuine);
  const bit = from * 8 + rng.below((to - from) * 8);
  m[bit >> 3] = (m[bit >> 3] ?? 0) ^ (1 << (bit & 7));
  stampMacs(m, receiverStatic, null);
  return m;
}

for (const impl of implsToCheck()) {
  test(`${impl}: mac1-valid corrupted and low-order initiations are ignored, the genuine one works`, async (t) => {
    const lab = await CheckLab.start(impl);
    t.after(() => lab.close());
    const peer = await lab.addRawPeer();
    const rng = new Prng(0x5eed);
    const { bytes: genuine, pending } = peer.makeInitiation();
    // Corrupt ephemeral, encrypted static or encrypted timestamp (bytes 8..116), keep mac1 valid.
    for (let i = 0; i < 40; i++) {
      await peer.send(flipAndRestamp(rng, genuine, 8, 116, peer.daemonStatic));
      await sleep(25);
    }
    for (const point of LOW_ORDER) {
      await peer.send(lowOrderInitiation(peer, point, 0x10000 + LOW_ORDER.indexOf(point)));
      await sleep(25);
    }
    await sleep(500);
    assert.equal(peer.socket.inbox.length, 0, "nothing answered any corrupted or low-order initiation");
    assert.equal((await lab.peerFields(peer.identity.publicKey)).get("rx_bytes"), "0", "none of them counted as authenticated");

    await peer.send(genuine);
    const r = await peer.awaitResponse(pending);
    assert.equal(r.kind, "session", "the genuine initiation is still answered");
    if (r.kind !== "session") return;
    await peer.send(r.session.seal(echoRequest(PEER_TUNNEL_ADDRESS, TUN_ADDRESS, 1, 1, 38)));
    assert.ok(await peer.receive(r.session), "and its session carries traffic");
    lab.assertAlive();
  });

  test(`${impl}: mac1-valid corrupted and low-order responses leave the daemon's handshake intact`, async (t) => {
    const lab = await CheckLab.start(impl);
    t.after(() => lab.close());
    const peer = await lab.addRawPeer({ endpoint: true });
    const ping = lab.ns.ping(PEER_TUNNEL_ADDRESS, { count: 1, size: 38, waitS: 10 });
    const initiation = await peer.socket.next((d) => messageType(d.data) === 1, 8000);
    assert.ok(initiation);
    // Build (but hold back) the genuine response, then attack the pending handshake first.
    const answered = peer.prepareResponse(initiation.data);
    const genuine = answered.response;
    const rng = new Prng(0xbad);
    for (let i = 0; i < 40; i++) {
      // Corrupt the ephemeral or the empty AEAD (bytes 12..60); receiver index and mac1 stay valid.
      await peer.send(flipAndRestamp(rng, genuine, 12, 60, peer.daemonStatic));
      await sleep(25);
    }
    const receiver = Buffer.from(initiation.data).readUInt32LE(4);
    for (const point of LOW_ORDER) {
      const bogus = encodeResponse({ sender: 0x20000, receiver, ephemeral: point, encryptedNothing: new Uint8Array(16), mac1: new Uint8Array(16), mac2: new Uint8Array(16) });
      stampMacs(bogus, peer.daemonStatic, null);
      await peer.send(bogus);
      await sleep(25);
    }
    await sleep(300);
    assert.equal(peer.socket.inbox.filter((d) => messageType(d.data) === 4).length, 0, "no session came out of a corrupted response");

    await peer.send(genuine);
    const req = await peer.receive(answered.session, 5000);
    assert.ok(req, "the genuine response still completes the daemon's handshake");
    const reply = echoReplyFor(req.plaintext.subarray(0, parseIpv4(req.plaintext)?.totalLength ?? 0));
    assert.ok(reply);
    await peer.send(answered.session.seal(reply));
    assert.equal((await ping).received, 1);
    lab.assertAlive();
  });
}
