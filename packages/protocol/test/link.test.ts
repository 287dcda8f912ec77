import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { generatePrivateKey, publicKeyFromPrivate, 
  computeCookie,
  COOKIE_REPLY_LENGTH,
  cookieMatches,
  decodeRegisterOuter,
  encodeCookieReply,
  encodePush,
  encodeRegisterAck,
  LinkClient,
  MAX_REGISTER_LENGTH,
  MIN_REGISTER_LENGTH,
  openRegister,
  PeerTransport,
  RegisterStatus,
  serverLinkKeys,
} from "../src/index.js";

const serverPriv = generatePrivateKey();
const serverPub = publicKeyFromPrivate(serverPriv);
const body = { rid: randomBytes(16), slot: randomBytes(16), flags: 0, sealed: randomBytes(100) };
const src = { family: 4 as const, address: "198.51.100.1", port: 4000 };

test("client and server agree on link keys; the server opens REGISTER and the client opens ACK and PUSH", () => {
  const client = new LinkClient(serverPub);
  const first = client.register(body);
  const outer = decodeRegisterOuter(first);
  assert.ok(outer.cookie.every((b) => b === 0), "no cookie yet");
  const cookie = computeCookie(randomBytes(32), src, "udp");
  const resend = client.receive(encodeCookieReply({ echo: outer.counter, cookie }));
  assert.equal(resend.length, 1);
  const second = resend[0]?.kind === "send" ? resend[0].bytes : new Uint8Array();
  const outer2 = decodeRegisterOuter(second);
  assert.deepEqual(Uint8Array.from(outer2.cookie), cookie);
  assert.ok(COOKIE_REPLY_LENGTH < MIN_REGISTER_LENGTH, "the cookie reply is smaller than any register");
  const keys = serverLinkKeys(serverPriv, serverPub, outer2.ephemeralPublic);
  const opened = openRegister(keys, outer2);
  assert.ok(opened);
  assert.deepEqual(Uint8Array.from(opened.sealed), Uint8Array.from(body.sealed));
  const ack = encodeRegisterAck(keys, 0n, { echo: outer2.counter, status: RegisterStatus.Ok, rid: body.rid, lifetimeSeconds: 120, observed: src });
  const ev = client.receive(ack);
  assert.equal(ev[0]?.kind === "message" && ev[0].message.kind, "ack");
  const push = encodePush(keys, 1n, { rid: body.rid, flags: 0, channel: randomBytes(8), peerObserved: src, peerTransport: PeerTransport.WebSocket, sealed: body.sealed });
  const pev = client.receive(push);
  assert.ok(pev[0]?.kind === "message" && pev[0].message.kind === "push" && pev[0].message.peerTransport === PeerTransport.WebSocket);
});

test("a REGISTER for another server key, or altered, does not open", () => {
  const client = new LinkClient(serverPub);
  const reg = client.register(body);
  const other = generatePrivateKey();
  const outer = decodeRegisterOuter(reg);
  assert.equal(openRegister(serverLinkKeys(other, publicKeyFromPrivate(other), outer.ephemeralPublic), outer), undefined);
  const t = Uint8Array.from(reg);
  t[60] = (t[60] ?? 0) ^ 1; // first ciphertext byte
  const to = decodeRegisterOuter(t);
  assert.equal(openRegister(serverLinkKeys(serverPriv, serverPub, to.ephemeralPublic), to), undefined);
  const c = Uint8Array.from(reg);
  c[53] = (c[53] ?? 0) ^ 1; // counter is authenticated
  const co = decodeRegisterOuter(c);
  assert.equal(openRegister(serverLinkKeys(serverPriv, serverPub, co.ephemeralPublic), co), undefined);
});

test("cookies are bound to address, port and transport, and accept the previous secret", () => {
  const s1 = randomBytes(32);
  const s2 = randomBytes(32);
  const c = computeCookie(s1, src, "udp");
  assert.ok(cookieMatches([s2, s1], src, "udp", c));
  assert.ok(!cookieMatches([s2], src, "udp", c));
  assert.ok(!cookieMatches([s1], { ...src, port: 4001 }, "udp", c));
  assert.ok(!cookieMatches([s1], { ...src, address: "198.51.100.2" }, "udp", c));
  assert.ok(!cookieMatches([s1], src, "ws", c));
});

test("REGISTER outer codec enforces size limits", () => {
  assert.throws(() => decodeRegisterOuter(new Uint8Array(MIN_REGISTER_LENGTH - 1)), /size/);
  assert.throws(() => decodeRegisterOuter(new Uint8Array(MAX_REGISTER_LENGTH + 1)), /size/);
  const client = new LinkClient(serverPub);
  assert.throws(() => client.register({ ...body, sealed: new Uint8Array(601) }), RangeError);
  const wrongType = client.register(body);
  wrongType[0] = 0xe3;
  assert.throws(() => decodeRegisterOuter(wrongType), /not a register/);
});
