// STUN message codec (RFC 8489, RFC 5780 attributes, RFC 3489 for old
// clients): what a binding client needs, and what a binding server (coordd)
// needs to parse requests and answer them. Decoding is strict and never throws
// on hostile input: it returns undefined and the caller counts the drop.
// Imports nothing but node:zlib and @plug/wireguard/net, so a server can load
// it alone through the "@plug/nat/stun/message" subpath.
import { crc32 } from "node:zlib";
import { formatIp, parseIp, type Endpoint } from "@plug/wireguard/net";

export const STUN_MAGIC_COOKIE = 0x2112a442;
export const STUN_HEADER_LENGTH = 20;
/** Largest Binding request a server accepts (RFC 3489's 576-byte IPv4 datagram minus headers). */
export const STUN_MAX_REQUEST_LENGTH = 548;

export const StunMessageType = {
  BindingRequest: 0x0001,
  BindingSuccess: 0x0101,
  BindingError: 0x0111,
} as const;
export type StunMessageType = (typeof StunMessageType)[keyof typeof StunMessageType];

export const StunAttr = {
  MappedAddress: 0x0001,
  ChangeRequest: 0x0003,
  /** RFC 3489's RESPONSE-ORIGIN. */
  SourceAddress: 0x0004,
  /** RFC 3489's name for OTHER-ADDRESS; some servers still send only this. */
  ChangedAddress: 0x0005,
  ErrorCode: 0x0009,
  UnknownAttributes: 0x000a,
  XorMappedAddress: 0x0020,
  Software: 0x8022,
  Fingerprint: 0x8028,
  ResponseOrigin: 0x802b,
  OtherAddress: 0x802c,
} as const;

export interface StunAttribute {
  readonly type: number;
  readonly value: Uint8Array;
}

export interface StunMessage {
  readonly type: number;
  /** 12 bytes. */
  readonly transactionId: Uint8Array;
  readonly attributes: readonly StunAttribute[];
}

export interface BindingRequest {
  readonly transactionId: Uint8Array;
  /** RFC 5780 CHANGE-REQUEST flags; omitted when both are false. */
  readonly changeIp?: boolean;
  readonly changePort?: boolean;
  readonly software?: string;
}

export interface BindingResponse {
  readonly transactionId: Uint8Array;
  /** XOR-MAPPED-ADDRESS, or MAPPED-ADDRESS from RFC 3489-era servers. */
  readonly mapped: Endpoint;
  readonly responseOrigin?: Endpoint;
  /** OTHER-ADDRESS (or the older CHANGED-ADDRESS): the server's alternate IP and port. */
  readonly otherAddress?: Endpoint;
}

export interface BindingErrorResponse {
  readonly transactionId: Uint8Array;
  readonly code: number;
  readonly reason: string;
}

/** CHANGE-REQUEST flag bits (RFC 5780 §7.2). */
export const CHANGE_IP = 0x04;
export const CHANGE_PORT = 0x02;

/** A Binding request as a server receives it, from an RFC 8489 client or a classic RFC 3489 one. */
export interface IncomingBindingRequest {
  /** RFC 8489 (magic cookie present) or a classic RFC 3489 client. */
  readonly modern: boolean;
  /** Bytes 4..20, echoed in the answer: the magic cookie and the transaction id, or RFC 3489's 16-byte id. */
  readonly id: Uint8Array;
  readonly changeIp: boolean;
  readonly changePort: boolean;
}

/** What a server tells the client; the addresses it does not know are left out. */
export interface BindingAnswer {
  /** The request's source: XOR-MAPPED-ADDRESS and MAPPED-ADDRESS (only MAPPED-ADDRESS for RFC 3489 clients). */
  readonly mapped: Endpoint;
  /** Where the answer leaves from: RESPONSE-ORIGIN (SOURCE-ADDRESS for RFC 3489 clients). */
  readonly responseOrigin?: Endpoint;
  /** The alternate address and port: OTHER-ADDRESS (CHANGED-ADDRESS for RFC 3489 clients). */
  readonly otherAddress?: Endpoint;
}

export interface BindingErrorAnswer {
  /** 300..699, ERROR-CODE's class and number. */
  readonly code: number;
  readonly reason: string;
  /** Listed in UNKNOWN-ATTRIBUTES (420 answers). */
  readonly unknownAttributes?: readonly number[];
}

/**
 * Cheap demultiplexing test for a shared socket (RFC 7983 style): top two bits
 * zero, magic cookie at bytes 4..8, length a multiple of 4 that fits.
 */
export function looksLikeStun(packet: Uint8Array): boolean {
  if (packet.length < STUN_HEADER_LENGTH) return false;
  if (((packet[0] ?? 0) & 0xc0) !== 0) return false;
  const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
  if (view.getUint32(4) !== STUN_MAGIC_COOKIE) return false;
  const length = view.getUint16(2);
  return length % 4 === 0 && STUN_HEADER_LENGTH + length === packet.length;
}

export function encodeMessage(msg: StunMessage): Uint8Array {
  const id = new Uint8Array(16);
  new DataView(id.buffer).setUint32(0, STUN_MAGIC_COOKIE);
  id.set(msg.transactionId.subarray(0, 12), 4);
  return encodeWithId(msg.type, id, msg.attributes);
}

/** `id` is header bytes 4..20: the magic cookie and transaction id, or an RFC 3489 client's 16-byte id. */
function encodeWithId(type: number, id: Uint8Array, attributes: readonly StunAttribute[]): Uint8Array {
  let bodyLength = 0;
  for (const a of attributes) bodyLength += 4 + pad4(a.value.length);
  const out = new Uint8Array(STUN_HEADER_LENGTH + bodyLength);
  const view = new DataView(out.buffer);
  view.setUint16(0, type);
  view.setUint16(2, bodyLength);
  out.set(id.subarray(0, 16), 4);
  let off = STUN_HEADER_LENGTH;
  for (const a of attributes) {
    view.setUint16(off, a.type);
    view.setUint16(off + 2, a.value.length);
    out.set(a.value, off + 4);
    off += 4 + pad4(a.value.length);
  }
  return out;
}

export function decodeMessage(packet: Uint8Array): StunMessage | undefined {
  if (!looksLikeStun(packet)) return undefined;
  const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
  const attributes: StunAttribute[] = [];
  const ok = forEachAttribute(packet, view, (type, off, len) => {
    if (type === StunAttr.Fingerprint) {
      // RFC 8489 §14.7: last attribute, CRC-32 of everything before it XOR "STUN". A
      // mismatch means corruption or another protocol that happened to carry the cookie.
      if (len !== 4 || off + 8 !== packet.length) return false;
      if (((crc32(packet.subarray(0, off)) ^ 0x5354554e) >>> 0) !== view.getUint32(off + 4)) return false;
    }
    attributes.push({ type, value: packet.slice(off + 4, off + 4 + len) });
    return true;
  });
  if (!ok) return undefined;
  return { type: view.getUint16(0), transactionId: packet.slice(8, 20), attributes };
}

/**
 * Walks the attributes after the header, calling `visit` with each one's type, offset and
 * value length; false if one runs past the end, they do not fill the message exactly, or
 * `visit` returns false.
 */
function forEachAttribute(packet: Uint8Array, view: DataView, visit: (type: number, offset: number, length: number) => boolean): boolean {
  let off = STUN_HEADER_LENGTH;
  while (off < packet.length) {
    if (off + 4 > packet.length) return false;
    const type = view.getUint16(off);
    const len = view.getUint16(off + 2);
    if (off + 4 + len > packet.length) return false;
    if (!visit(type, off, len)) return false;
    off += 4 + pad4(len);
  }
  return off === packet.length;
}

export function encodeBindingRequest(req: BindingRequest): Uint8Array {
  if (req.transactionId.length !== 12) throw new RangeError("STUN transaction id must be 12 bytes");
  const attributes: StunAttribute[] = [];
  if (req.changeIp || req.changePort) {
    const v = new Uint8Array(4);
    v[3] = (req.changeIp ? 0x04 : 0) | (req.changePort ? 0x02 : 0);
    attributes.push({ type: StunAttr.ChangeRequest, value: v });
  }
  if (req.software !== undefined) attributes.push({ type: StunAttr.Software, value: new TextEncoder().encode(req.software) });
  return encodeMessage({ type: StunMessageType.BindingRequest, transactionId: req.transactionId, attributes });
}

/** Parses a binding success response; undefined if it is anything else or malformed. */
export function decodeBindingResponse(packet: Uint8Array): BindingResponse | undefined {
  const msg = decodeMessage(packet);
  if (msg === undefined || msg.type !== StunMessageType.BindingSuccess) return undefined;
  let xorMapped: Endpoint | undefined;
  let mapped: Endpoint | undefined;
  let responseOrigin: Endpoint | undefined;
  let other: Endpoint | undefined;
  let changed: Endpoint | undefined;
  for (const a of msg.attributes) {
    switch (a.type) {
      case StunAttr.XorMappedAddress:
        xorMapped ??= decodeAddress(a.value, msg.transactionId);
        break;
      case StunAttr.MappedAddress:
        mapped ??= decodeAddress(a.value);
        break;
      case StunAttr.ResponseOrigin:
        responseOrigin ??= decodeAddress(a.value);
        break;
      case StunAttr.OtherAddress:
        other ??= decodeAddress(a.value);
        break;
      case StunAttr.ChangedAddress:
        changed ??= decodeAddress(a.value);
        break;
    }
  }
  const result = xorMapped ?? mapped;
  if (result === undefined) return undefined;
  const otherAddress = other ?? changed;
  return {
    transactionId: msg.transactionId,
    mapped: result,
    ...(responseOrigin ? { responseOrigin } : {}),
    ...(otherAddress ? { otherAddress } : {}),
  };
}

export function decodeBindingError(packet: Uint8Array): BindingErrorResponse | undefined {
  const msg = decodeMessage(packet);
  if (msg === undefined || msg.type !== StunMessageType.BindingError) return undefined;
  const attr = msg.attributes.find((a) => a.type === StunAttr.ErrorCode);
  if (attr === undefined || attr.value.length < 4) return undefined;
  const code = ((attr.value[2] ?? 0) & 0x07) * 100 + (attr.value[3] ?? 0);
  return { transactionId: msg.transactionId, code, reason: new TextDecoder().decode(attr.value.subarray(4)) };
}

/**
 * Server side: parses a Binding request strictly, from an RFC 8489 client or (no magic cookie)
 * a classic RFC 3489 one; undefined for anything else. CHANGE-REQUEST must be 4 bytes (the last
 * one counts); other attributes, FINGERPRINT included, are skipped unchecked.
 */
export function decodeBindingRequest(packet: Uint8Array): IncomingBindingRequest | undefined {
  if (packet.length < STUN_HEADER_LENGTH || packet.length > STUN_MAX_REQUEST_LENGTH) return undefined;
  const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
  if (view.getUint16(0) !== StunMessageType.BindingRequest) return undefined;
  const length = view.getUint16(2);
  if (length !== packet.length - STUN_HEADER_LENGTH || length % 4 !== 0) return undefined;
  let changeIp = false;
  let changePort = false;
  const ok = forEachAttribute(packet, view, (type, off, len) => {
    if (type !== StunAttr.ChangeRequest) return true;
    if (len !== 4) return false;
    const flags = view.getUint32(off + 4);
    changeIp = (flags & CHANGE_IP) !== 0;
    changePort = (flags & CHANGE_PORT) !== 0;
    return true;
  });
  if (!ok) return undefined;
  return { modern: view.getUint32(4) === STUN_MAGIC_COOKIE, id: packet.slice(4, 20), changeIp, changePort };
}

/**
 * Server side: a Binding success response. RFC 8489 clients get XOR-MAPPED-ADDRESS and
 * MAPPED-ADDRESS, then RESPONSE-ORIGIN and OTHER-ADDRESS; RFC 3489 clients get MAPPED-ADDRESS,
 * SOURCE-ADDRESS and CHANGED-ADDRESS. Origin and other address only when given.
 */
export function encodeBindingResponse(req: IncomingBindingRequest, answer: BindingAnswer): Uint8Array {
  const attributes: StunAttribute[] = [];
  const add = (type: number, ep: Endpoint | undefined): void => {
    if (ep !== undefined) attributes.push({ type, value: encodeAddress(ep) });
  };
  if (req.modern) {
    attributes.push({ type: StunAttr.XorMappedAddress, value: encodeAddress(answer.mapped, req.id.subarray(4, 16)) });
    add(StunAttr.MappedAddress, answer.mapped);
    add(StunAttr.ResponseOrigin, answer.responseOrigin);
    add(StunAttr.OtherAddress, answer.otherAddress);
  } else {
    add(StunAttr.MappedAddress, answer.mapped);
    add(StunAttr.SourceAddress, answer.responseOrigin);
    add(StunAttr.ChangedAddress, answer.otherAddress);
  }
  return encodeWithId(StunMessageType.BindingSuccess, req.id, attributes);
}

/** Server side: a Binding error response with ERROR-CODE and, when given, UNKNOWN-ATTRIBUTES. */
export function encodeBindingErrorResponse(req: IncomingBindingRequest, error: BindingErrorAnswer): Uint8Array {
  const reason = new TextEncoder().encode(error.reason);
  const code = new Uint8Array(4 + reason.length);
  code[2] = Math.floor(error.code / 100) & 0x07;
  code[3] = error.code % 100;
  code.set(reason, 4);
  const attributes: StunAttribute[] = [{ type: StunAttr.ErrorCode, value: code }];
  if (error.unknownAttributes !== undefined) {
    const list = new Uint8Array(2 * error.unknownAttributes.length);
    error.unknownAttributes.forEach((t, i) => new DataView(list.buffer).setUint16(2 * i, t));
    attributes.push({ type: StunAttr.UnknownAttributes, value: list });
  }
  return encodeWithId(StunMessageType.BindingError, req.id, attributes);
}

/** Encodes a (XOR-)MAPPED-ADDRESS value; XORed when a transaction id is given. */
export function encodeAddress(ep: Endpoint, xorTransactionId?: Uint8Array): Uint8Array {
  const ip = parseIp(ep.address);
  const out = new Uint8Array(4 + ip.length);
  out[1] = ip.length === 4 ? 0x01 : 0x02;
  const view = new DataView(out.buffer);
  view.setUint16(2, xorTransactionId ? ep.port ^ (STUN_MAGIC_COOKIE >>> 16) : ep.port);
  out.set(xorTransactionId ? xorIp(ip, xorTransactionId) : ip, 4);
  return out;
}

export function decodeAddress(value: Uint8Array, xorTransactionId?: Uint8Array): Endpoint | undefined {
  if (value.length < 4) return undefined;
  const family = value[1];
  const ipLength = family === 0x01 ? 4 : family === 0x02 ? 16 : 0;
  if (ipLength === 0 || value.length !== 4 + ipLength) return undefined;
  let port = ((value[2] ?? 0) << 8) | (value[3] ?? 0);
  let ip: Uint8Array = value.slice(4);
  if (xorTransactionId) {
    port ^= STUN_MAGIC_COOKIE >>> 16;
    ip = xorIp(ip, xorTransactionId);
  }
  return { family: ipLength === 4 ? 4 : 6, address: formatIp(ip), port };
}

function xorIp(ip: Uint8Array, transactionId: Uint8Array): Uint8Array {
  const key = new Uint8Array(16);
  new DataView(key.buffer).setUint32(0, STUN_MAGIC_COOKIE);
  key.set(transactionId.subarray(0, 12), 4);
  return ip.map((b, i) => b ^ (key[i] ?? 0));
}

function pad4(n: number): number {
  return (n + 3) & ~3;
}
