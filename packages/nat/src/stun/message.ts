// STUN message codec (RFC 8489, RFC 5780 attributes): only what a binding
// client needs. Decoding is strict and never throws on hostile input: it
// returns undefined and the caller counts the drop.
import { crc32 } from "node:zlib";
import { formatIp, parseIp, type Endpoint } from "@plug/wireguard/net";

export const STUN_MAGIC_COOKIE = 0x2112a442;
export const STUN_HEADER_LENGTH = 20;

export const StunMessageType = {
  BindingRequest: 0x0001,
  BindingSuccess: 0x0101,
  BindingError: 0x0111,
} as const;
export type StunMessageType = (typeof StunMessageType)[keyof typeof StunMessageType];

export const StunAttr = {
  MappedAddress: 0x0001,
  ChangeRequest: 0x0003,
  /** RFC 3489's name for OTHER-ADDRESS; some servers still send only this. */
  ChangedAddress: 0x0005,
  ErrorCode: 0x0009,
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
  let bodyLength = 0;
  for (const a of msg.attributes) bodyLength += 4 + pad4(a.value.length);
  const out = new Uint8Array(STUN_HEADER_LENGTH + bodyLength);
  const view = new DataView(out.buffer);
  view.setUint16(0, msg.type);
  view.setUint16(2, bodyLength);
  view.setUint32(4, STUN_MAGIC_COOKIE);
  out.set(msg.transactionId.subarray(0, 12), 8);
  let off = STUN_HEADER_LENGTH;
  for (const a of msg.attributes) {
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
  let off = STUN_HEADER_LENGTH;
  while (off < packet.length) {
    if (off + 4 > packet.length) return undefined;
    const type = view.getUint16(off);
    const len = view.getUint16(off + 2);
    if (off + 4 + len > packet.length) return undefined;
    if (type === StunAttr.Fingerprint) {
      // RFC 8489 §14.7: last attribute, CRC-32 of everything before it XOR "STUN". A
      // mismatch means corruption or another protocol that happened to carry the cookie.
      if (len !== 4 || off + 8 !== packet.length) return undefined;
      if (((crc32(packet.subarray(0, off)) ^ 0x5354554e) >>> 0) !== view.getUint32(off + 4)) return undefined;
    }
    attributes.push({ type, value: packet.slice(off + 4, off + 4 + len) });
    off += 4 + pad4(len);
  }
  if (off !== packet.length) return undefined;
  return { type: view.getUint16(0), transactionId: packet.slice(8, 20), attributes };
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
