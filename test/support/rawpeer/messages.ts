// Wire formats of WIREGUARD.md §3: one type per message, strict decoders that
// return null for anything a conforming receiver would drop.
import {
  COOKIE_REPLY_LENGTH, INITIATION_LENGTH, MESSAGE_COOKIE_REPLY, MESSAGE_INITIATION, MESSAGE_RESPONSE,
  MESSAGE_TRANSPORT, MIN_TRANSPORT_LENGTH, RESPONSE_LENGTH,
} from "./constants.js";

export interface InitiationMessage {
  readonly type: 1;
  readonly sender: number;
  readonly ephemeral: Uint8Array;
  readonly encryptedStatic: Uint8Array;
  readonly encryptedTimestamp: Uint8Array;
  readonly mac1: Uint8Array;
  readonly mac2: Uint8Array;
}

export interface ResponseMessage {
  readonly type: 2;
  readonly sender: number;
  readonly receiver: number;
  readonly ephemeral: Uint8Array;
  readonly encryptedNothing: Uint8Array;
  readonly mac1: Uint8Array;
  readonly mac2: Uint8Array;
}

export interface CookieReplyMessage {
  readonly type: 3;
  readonly receiver: number;
  readonly nonce: Uint8Array;
  readonly encryptedCookie: Uint8Array;
}

export interface TransportMessage {
  readonly type: 4;
  readonly receiver: number;
  readonly counter: bigint;
  readonly encryptedPacket: Uint8Array;
}

export type Message = InitiationMessage | ResponseMessage | CookieReplyMessage | TransportMessage;

const u32 = (b: Uint8Array, off: number): number => Buffer.from(b.buffer, b.byteOffset, b.length).readUInt32LE(off);

function header(out: Buffer, type: number): void {
  out.writeUInt32LE(type, 0);
}

export function encodeInitiation(m: Omit<InitiationMessage, "type">): Uint8Array {
  const out = Buffer.alloc(INITIATION_LENGTH);
  header(out, MESSAGE_INITIATION);
  out.writeUInt32LE(m.sender >>> 0, 4);
  out.set(m.ephemeral, 8);
  out.set(m.encryptedStatic, 40);
  out.set(m.encryptedTimestamp, 88);
  out.set(m.mac1, 116);
  out.set(m.mac2, 132);
  return new Uint8Array(out);
}

export function encodeResponse(m: Omit<ResponseMessage, "type">): Uint8Array {
  const out = Buffer.alloc(RESPONSE_LENGTH);
  header(out, MESSAGE_RESPONSE);
  out.writeUInt32LE(m.sender >>> 0, 4);
  out.writeUInt32LE(m.receiver >>> 0, 8);
  out.set(m.ephemeral, 12);
  out.set(m.encryptedNothing, 44);
  out.set(m.mac1, 60);
  out.set(m.mac2, 76);
  return new Uint8Array(out);
}

export function encodeCookieReply(m: Omit<CookieReplyMessage, "type">): Uint8Array {
  const out = Buffer.alloc(COOKIE_REPLY_LENGTH);
  header(out, MESSAGE_COOKIE_REPLY);
  out.writeUInt32LE(m.receiver >>> 0, 4);
  out.set(m.nonce, 8);
  out.set(m.encryptedCookie, 32);
  return new Uint8Array(out);
}

export function encodeTransport(m: Omit<TransportMessage, "type">): Uint8Array {
  const out = Buffer.alloc(16 + m.encryptedPacket.length);
  header(out, MESSAGE_TRANSPORT);
  out.writeUInt32LE(m.receiver >>> 0, 4);
  out.writeBigUInt64LE(m.counter, 8);
  out.set(m.encryptedPacket, 16);
  return new Uint8Array(out);
}

/** Reads the header as one u32le like both reference implementations: non-zero reserved bytes make it unknown. */
export function messageType(b: Uint8Array): number {
  return b.length < 4 ? 0 : u32(b, 0);
}

export function decodeMessage(b: Uint8Array): Message | null {
  const type = messageType(b);
  const s = (from: number, to: number): Uint8Array => b.slice(from, to);
  if (type === MESSAGE_INITIATION && b.length === INITIATION_LENGTH) {
    return { type: 1, sender: u32(b, 4), ephemeral: s(8, 40), encryptedStatic: s(40, 88), encryptedTimestamp: s(88, 116), mac1: s(116, 132), mac2: s(132, 148) };
  }
  if (type === MESSAGE_RESPONSE && b.length === RESPONSE_LENGTH) {
    return { type: 2, sender: u32(b, 4), receiver: u32(b, 8), ephemeral: s(12, 44), encryptedNothing: s(44, 60), mac1: s(60, 76), mac2: s(76, 92) };
  }
  if (type === MESSAGE_COOKIE_REPLY && b.length === COOKIE_REPLY_LENGTH) {
    return { type: 3, receiver: u32(b, 4), nonce: s(8, 32), encryptedCookie: s(32, 64) };
  }
  if (type === MESSAGE_TRANSPORT && b.length >= MIN_TRANSPORT_LENGTH) {
    const counter = Buffer.from(b.buffer, b.byteOffset, b.length).readBigUInt64LE(8);
    return { type: 4, receiver: u32(b, 4), counter, encryptedPacket: s(16, b.length) };
  }
  return null;
}
