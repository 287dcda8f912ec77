// Wire formats of the four WireGuard messages (§3). Decoders check the exact
// length and the whole u32le header (reserved bytes must be zero) and return
// null otherwise; they copy nothing, fields are views into the datagram.

export const MessageType = { Initiation: 1, Response: 2, CookieReply: 3, Transport: 4 } as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

export const INITIATION_LENGTH = 148;
export const RESPONSE_LENGTH = 92;
export const COOKIE_REPLY_LENGTH = 64;
export const TRANSPORT_HEADER_LENGTH = 16;
/** Header plus an empty plaintext's tag: a keepalive. */
export const TRANSPORT_MIN_LENGTH = 32;

export interface InitiationMessage {
  readonly sender: number;
  readonly ephemeral: Uint8Array;
  readonly encryptedStatic: Uint8Array;
  readonly encryptedTimestamp: Uint8Array;
  readonly mac1: Uint8Array;
  readonly mac2: Uint8Array;
}

export interface ResponseMessage {
  readonly sender: number;
  readonly receiver: number;
  readonly ephemeral: Uint8Array;
  readonly encryptedNothing: Uint8Array;
  readonly mac1: Uint8Array;
  readonly mac2: Uint8Array;
}

export interface CookieReplyMessage {
  readonly receiver: number;
  readonly nonce: Uint8Array;
  readonly encryptedCookie: Uint8Array;
}

export interface TransportHeader {
  readonly receiver: number;
  readonly counter: bigint;
}

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** The message type when the header is a valid u32le 1..4 and the length fits that type; otherwise null. */
export function classify(data: Uint8Array): MessageType | null {
  if (data.length < 4 || data[1] !== 0 || data[2] !== 0 || data[3] !== 0) return null;
  switch (data[0]) {
    case 1:
      return data.length === INITIATION_LENGTH ? 1 : null;
    case 2:
      return data.length === RESPONSE_LENGTH ? 2 : null;
    case 3:
      return data.length === COOKIE_REPLY_LENGTH ? 3 : null;
    case 4:
      return data.length >= TRANSPORT_MIN_LENGTH ? 4 : null;
    default:
      return null;
  }
}

export function decodeInitiation(d: Uint8Array): InitiationMessage | null {
  if (classify(d) !== MessageType.Initiation) return null;
  return {
    sender: view(d).getUint32(4, true),
    ephemeral: d.subarray(8, 40),
    encryptedStatic: d.subarray(40, 88),
    encryptedTimestamp: d.subarray(88, 116),
    mac1: d.subarray(116, 132),
    mac2: d.subarray(132, 148),
  };
}

/** Macs are left zero; the caller fills them (they cover the serialised bytes). */
export function encodeInitiation(m: Omit<InitiationMessage, "mac1" | "mac2">): Uint8Array {
  const d = new Uint8Array(INITIATION_LENGTH);
  d[0] = MessageType.Initiation;
  view(d).setUint32(4, m.sender, true);
  d.set(m.ephemeral, 8);
  d.set(m.encryptedStatic, 40);
  d.set(m.encryptedTimestamp, 88);
  return d;
}

export function decodeResponse(d: Uint8Array): ResponseMessage | null {
  if (classify(d) !== MessageType.Response) return null;
  const v = view(d);
  return {
    sender: v.getUint32(4, true),
    receiver: v.getUint32(8, true),
    ephemeral: d.subarray(12, 44),
    encryptedNothing: d.subarray(44, 60),
    mac1: d.subarray(60, 76),
    mac2: d.subarray(76, 92),
  };
}

export function encodeResponse(m: Omit<ResponseMessage, "mac1" | "mac2">): Uint8Array {
  const d = new Uint8Array(RESPONSE_LENGTH);
  d[0] = MessageType.Response;
  const v = view(d);
  v.setUint32(4, m.sender, true);
  v.setUint32(8, m.receiver, true);
  d.set(m.ephemeral, 12);
  d.set(m.encryptedNothing, 44);
  return d;
}

export function decodeCookieReply(d: Uint8Array): CookieReplyMessage | null {
  if (classify(d) !== MessageType.CookieReply) return null;
  return { receiver: view(d).getUint32(4, true), nonce: d.subarray(8, 32), encryptedCookie: d.subarray(32, 64) };
}

export function encodeCookieReply(m: CookieReplyMessage): Uint8Array {
  const d = new Uint8Array(COOKIE_REPLY_LENGTH);
  d[0] = MessageType.CookieReply;
  view(d).setUint32(4, m.receiver, true);
  d.set(m.nonce, 8);
  d.set(m.encryptedCookie, 32);
  return d;
}

export function decodeTransportHeader(d: Uint8Array): TransportHeader | null {
  if (classify(d) !== MessageType.Transport) return null;
  const v = view(d);
  return { receiver: v.getUint32(4, true), counter: v.getBigUint64(8, true) };
}

/** The sender field (bytes 4..8) of a handshake message: what a cookie reply answers to. */
export function senderIndexOf(d: Uint8Array): number {
  return view(d).getUint32(4, true);
}
