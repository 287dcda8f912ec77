// REGISTER (client -> coordd), REGISTER_ACK and PUSH (coordd -> client).
// Byte layouts are in docs/PROTOCOL.md §4; each function here is one of them.
import type { Endpoint } from "@plug/wireguard/net";
import {
  CHANNEL_LENGTH,
  COOKIE_LENGTH,
  COUNTER_LENGTH,
  HEADER_LENGTH,
  KEY_LENGTH,
  MAX_REGISTER_LENGTH,
  MAX_SEALED_LENGTH,
  MessageType,
  RID_LENGTH,
  SESSION_TAG_LENGTH,
  SLOT_TOKEN_LENGTH,
  AEAD_TAG_LENGTH,
} from "../constants.js";
import { aeadOpen, aeadSeal, aeadSealInto, transientCounterNonce } from "../crypto/primitives.js";
import { DecodeError } from "../wire/errors.js";
import { endpointWireLength, readEndpoint, writeEndpoint } from "../wire/endpoint.js";
import { readHeader, writeHeader } from "../wire/header.js";
import { ByteReader } from "../wire/reader.js";
import { readU64, writeU64 } from "../wire/u64.js";
import { ByteWriter } from "../wire/writer.js";
import type { LinkKeys } from "./keys.js";

// ---- REGISTER ----------------------------------------------------------

export const RegisterFlag = {
  /** Remove this registration now instead of waiting for expiry. */
  Withdraw: 0x01,
} as const;

export interface RegisterBody {
  readonly rid: Uint8Array;
  readonly slot: Uint8Array;
  readonly flags: number;
  /** Opaque to coordd; empty when withdrawing. */
  readonly sealed: Uint8Array;
}

/** Bytes before the ciphertext: header | cookie | ephemeral | counter. They are the AEAD's associated data. */
export const REGISTER_PREFIX_LENGTH = HEADER_LENGTH + COOKIE_LENGTH + KEY_LENGTH + COUNTER_LENGTH;
const REGISTER_BODY_FIXED = RID_LENGTH + SLOT_TOKEN_LENGTH + 1 + 2;
export const MIN_REGISTER_LENGTH = REGISTER_PREFIX_LENGTH + REGISTER_BODY_FIXED + AEAD_TAG_LENGTH;

export interface RegisterOuter {
  readonly cookie: Uint8Array;
  readonly ephemeralPublic: Uint8Array;
  readonly counter: bigint;
  /** Views into the datagram. */
  readonly aad: Uint8Array;
  readonly ciphertext: Uint8Array;
}

export function encodeRegisterBody(body: RegisterBody): Uint8Array {
  if (body.rid.length !== RID_LENGTH || body.slot.length !== SLOT_TOKEN_LENGTH) throw new RangeError("bad rid or slot length");
  if (body.sealed.length > MAX_SEALED_LENGTH) throw new RangeError("sealed blob too long");
  return new ByteWriter(REGISTER_BODY_FIXED + body.sealed.length)
    .put(body.rid).put(body.slot).u8(body.flags).u16(body.sealed.length).put(body.sealed).done();
}

export function decodeRegisterBody(plain: Uint8Array): RegisterBody {
  const r = new ByteReader(plain);
  const rid = r.bytesView(RID_LENGTH);
  const slot = r.bytesView(SLOT_TOKEN_LENGTH);
  const flags = r.u8();
  if ((flags & ~RegisterFlag.Withdraw) !== 0) throw new DecodeError("unknown register flags");
  const len = r.u16();
  if (len > MAX_SEALED_LENGTH) throw new DecodeError("sealed blob too long");
  const sealed = r.bytesView(len);
  r.expectEnd();
  return { rid, slot, flags, sealed };
}

export function encodeRegister(keys: LinkKeys, cookie: Uint8Array, counter: bigint, body: RegisterBody): Uint8Array {
  const plain = encodeRegisterBody(body);
  const out = new Uint8Array(REGISTER_PREFIX_LENGTH + plain.length + AEAD_TAG_LENGTH);
  writeHeader(out, MessageType.Register);
  out.set(cookie.length === COOKIE_LENGTH ? cookie : new Uint8Array(COOKIE_LENGTH), 4);
  out.set(keys.ephemeralPublic, 20);
  writeU64(out, 52, counter);
  out.set(aeadSeal(keys.c2s, transientCounterNonce(counter), plain, out.subarray(0, REGISTER_PREFIX_LENGTH)), REGISTER_PREFIX_LENGTH);
  return out;
}

/** Parses the clear part of a REGISTER (no crypto), enforcing the size limits first. */
export function decodeRegisterOuter(d: Uint8Array): RegisterOuter {
  if (d.length < MIN_REGISTER_LENGTH || d.length > MAX_REGISTER_LENGTH) throw new DecodeError("register size");
  const h = readHeader(d);
  if (h.type !== MessageType.Register || h.b2 !== 0 || h.b3 !== 0) throw new DecodeError("not a register");
  return {
    cookie: d.subarray(4, 20),
    ephemeralPublic: d.subarray(20, 52),
    counter: readU64(d, 52),
    aad: d.subarray(0, REGISTER_PREFIX_LENGTH),
    ciphertext: d.subarray(REGISTER_PREFIX_LENGTH),
  };
}

/** Opens and parses the body; undefined when it does not authenticate or parse. */
export function openRegister(keys: LinkKeys, outer: RegisterOuter): RegisterBody | undefined {
  const plain = aeadOpen(keys.c2s, transientCounterNonce(outer.counter), outer.ciphertext, outer.aad);
  if (plain === undefined) return undefined;
  try {
    return decodeRegisterBody(plain);
  } catch {
    return undefined;
  }
}

// ---- server -> client envelope ----------------------------------------

/** header | tag(8) | counter(8) | AEAD(s2c, counter, body, aad = those 20 bytes). */
const SERVER_PREFIX_LENGTH = HEADER_LENGTH + SESSION_TAG_LENGTH + COUNTER_LENGTH;

// ACK and PUSH bodies are built here and sealed at once into the message, so
// one buffer off the V8 heap serves them all (a fresh body was an allocation,
// and one under 64 bytes also a move off the heap when the addon reads it).
const MAX_SERVER_BODY = RID_LENGTH + 1 + CHANNEL_LENGTH + 19 + 1 + 2 + MAX_SEALED_LENGTH;
const bodyScratch = new Uint8Array(new ArrayBuffer(MAX_SERVER_BODY));

/**
 * The message is a slice of Node's shared allocation pool, not a buffer of its
 * own: ACKs and PUSHes live until their datagram is sent, and a fresh
 * ArrayBuffer each was ~1 us. Every byte of it is written below.
 */
function sealServerMessage(type: MessageType, keys: LinkKeys, counter: bigint, body: Uint8Array): Uint8Array {
  const out: Uint8Array = Buffer.allocUnsafe(SERVER_PREFIX_LENGTH + body.length + AEAD_TAG_LENGTH);
  writeHeader(out, type);
  out.set(keys.tag, 4);
  writeU64(out, 12, counter);
  aeadSealInto(keys.s2c, transientCounterNonce(counter), body, out.subarray(0, SERVER_PREFIX_LENGTH), out.subarray(SERVER_PREFIX_LENGTH));
  return out;
}

/** The session tag of a server message, so a client with several sessions can pick the keys. */
export function serverMessageTag(d: Uint8Array): Uint8Array {
  if (d.length < SERVER_PREFIX_LENGTH + AEAD_TAG_LENGTH) throw new DecodeError("short server message");
  return d.subarray(4, 12);
}

function openServerMessage(keys: LinkKeys, d: Uint8Array): { type: number; plain: Uint8Array } | undefined {
  if (d.length < SERVER_PREFIX_LENGTH + AEAD_TAG_LENGTH) return undefined;
  const counter = readU64(d, 12);
  const plain = aeadOpen(keys.s2c, transientCounterNonce(counter), d.subarray(SERVER_PREFIX_LENGTH), d.subarray(0, SERVER_PREFIX_LENGTH));
  return plain === undefined ? undefined : { type: d[0] ?? 0, plain };
}

// ---- REGISTER_ACK -----------------------------------------------------

export const RegisterStatus = {
  Ok: 0,
  Withdrawn: 1,
  /** Two other slots already hold this rid. */
  RidFull: 2,
  /** This client (session or source address) holds too many rids. */
  TooManyRids: 3,
} as const;
export type RegisterStatus = (typeof RegisterStatus)[keyof typeof RegisterStatus];

export interface RegisterAck {
  /** The REGISTER's counter, to match the answer to the request. */
  readonly echo: bigint;
  readonly status: RegisterStatus;
  readonly rid: Uint8Array;
  /** Seconds until coordd forgets the registration unless refreshed. */
  readonly lifetimeSeconds: number;
  /** The source address coordd saw (the client's public endpoint as coordd observes it). */
  readonly observed: Endpoint;
}

export function encodeRegisterAck(keys: LinkKeys, counter: bigint, ack: RegisterAck): Uint8Array {
  const body = new ByteWriter(8 + 1 + RID_LENGTH + 2 + endpointWireLength(ack.observed), bodyScratch)
    .u64(ack.echo).u8(ack.status).put(ack.rid).u16(ack.lifetimeSeconds);
  writeEndpoint(body, ack.observed);
  return sealServerMessage(MessageType.RegisterAck, keys, counter, body.done());
}

// ---- PUSH -------------------------------------------------------------

export const PeerTransport = { Udp: 0, WebSocket: 1 } as const;
export type PeerTransport = (typeof PeerTransport)[keyof typeof PeerTransport];

export const PushFlag = {
  /** The other side withdrew or expired; the sealed blob is empty. */
  PeerGone: 0x01,
} as const;

export interface Push {
  readonly rid: Uint8Array;
  readonly flags: number;
  /** Relay channel for this pair (the same for both sides). */
  readonly channel: Uint8Array;
  /** The other side's source address as coordd observed it. */
  readonly peerObserved: Endpoint;
  readonly peerTransport: PeerTransport;
  /** The other side's sealed candidate list, forwarded untouched. */
  readonly sealed: Uint8Array;
}

export function encodePush(keys: LinkKeys, counter: bigint, push: Push): Uint8Array {
  const body = new ByteWriter(RID_LENGTH + 1 + CHANNEL_LENGTH + endpointWireLength(push.peerObserved) + 1 + 2 + push.sealed.length, bodyScratch)
    .put(push.rid).u8(push.flags).put(push.channel);
  writeEndpoint(body, push.peerObserved);
  body.u8(push.peerTransport).u16(push.sealed.length).put(push.sealed);
  return sealServerMessage(MessageType.Push, keys, counter, body.done());
}

export type ServerMessage = ({ kind: "ack" } & RegisterAck) | ({ kind: "push" } & Push);

/** Opens an ACK or PUSH for this session; undefined when it is not one that authenticates. */
export function openServerReply(keys: LinkKeys, d: Uint8Array): ServerMessage | undefined {
  const opened = openServerMessage(keys, d);
  if (opened === undefined) return undefined;
  try {
    const r = new ByteReader(opened.plain);
    if (opened.type === MessageType.RegisterAck) {
      const echo = r.u64();
      const status = r.u8();
      if (status > 3) throw new DecodeError("bad status");
      const rid = Uint8Array.from(r.bytesView(RID_LENGTH));
      const lifetimeSeconds = r.u16();
      const observed = readEndpoint(r);
      r.expectEnd();
      return { kind: "ack", echo, status: status as RegisterStatus, rid, lifetimeSeconds, observed };
    }
    if (opened.type === MessageType.Push) {
      const rid = Uint8Array.from(r.bytesView(RID_LENGTH));
      const flags = r.u8();
      const channel = Uint8Array.from(r.bytesView(CHANNEL_LENGTH));
      const peerObserved = readEndpoint(r);
      const t = r.u8();
      if (t > 1) throw new DecodeError("bad transport");
      const len = r.u16();
      if (len > MAX_SEALED_LENGTH) throw new DecodeError("sealed too long");
      const sealed = Uint8Array.from(r.bytesView(len));
      r.expectEnd();
      return { kind: "push", rid, flags, channel, peerObserved, peerTransport: t as PeerTransport, sealed };
    }
  } catch {
    return undefined;
  }
  return undefined;
}
