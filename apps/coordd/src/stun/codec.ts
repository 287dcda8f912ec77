// The part of STUN (RFC 8489, RFC 5780, and RFC 3489 for old clients) a
// binding server needs: parse a Binding request strictly, write a response.
import { formatIp, parseIp, type Endpoint } from "@plug/protocol";

export const STUN_MAGIC = 0x2112a442;
export const StunType = { BindingRequest: 0x0001, BindingResponse: 0x0101, BindingError: 0x0111 } as const;
export const StunAttr = {
  MappedAddress: 0x0001,
  ChangeRequest: 0x0003,
  SourceAddress: 0x0004,
  ChangedAddress: 0x0005,
  ErrorCode: 0x0009,
  UnknownAttributes: 0x000a,
  XorMappedAddress: 0x0020,
  Padding: 0x0026,
  ResponseOrigin: 0x802b,
  OtherAddress: 0x802c,
} as const;

export const CHANGE_IP = 0x04;
export const CHANGE_PORT = 0x02;

export interface BindingRequest {
  /** RFC 8489 (magic cookie present) or a classic RFC 3489 client. */
  readonly modern: boolean;
  /** Bytes 4..20: the magic cookie and the transaction id (or RFC 3489's 16-byte id). */
  readonly id: Uint8Array;
  readonly changeIp: boolean;
  readonly changePort: boolean;
}

/** undefined for anything that is not a well-formed Binding request. */
export function parseBindingRequest(d: Uint8Array): BindingRequest | undefined {
  if (d.length < 20 || d.length > 548) return undefined;
  const v = new DataView(d.buffer, d.byteOffset, d.byteLength);
  if (v.getUint16(0) !== StunType.BindingRequest) return undefined;
  const len = v.getUint16(2);
  if (len !== d.length - 20 || len % 4 !== 0) return undefined;
  const modern = v.getUint32(4) === STUN_MAGIC;
  let changeIp = false;
  let changePort = false;
  let off = 20;
  while (off < d.length) {
    if (off + 4 > d.length) return undefined;
    const type = v.getUint16(off);
    const alen = v.getUint16(off + 2);
    const padded = (alen + 3) & ~3;
    if (off + 4 + padded > d.length) return undefined;
    if (type === StunAttr.ChangeRequest) {
      if (alen !== 4) return undefined;
      const flags = v.getUint32(off + 4);
      changeIp = (flags & CHANGE_IP) !== 0;
      changePort = (flags & CHANGE_PORT) !== 0;
    }
    off += 4 + padded;
  }
  return { modern, id: d.subarray(4, 20), changeIp, changePort };
}

class StunWriter {
  private readonly buf = new Uint8Array(548);
  private readonly view = new DataView(this.buf.buffer);
  private len = 20;

  constructor(type: number, id: Uint8Array) {
    this.view.setUint16(0, type);
    this.buf.set(id, 4);
  }

  attr(type: number, value: Uint8Array): this {
    this.view.setUint16(this.len, type);
    this.view.setUint16(this.len + 2, value.length);
    this.buf.set(value, this.len + 4);
    this.len += 4 + ((value.length + 3) & ~3);
    return this;
  }

  done(): Uint8Array {
    this.view.setUint16(2, this.len - 20);
    return this.buf.slice(0, this.len);
  }
}

export function addressValue(e: Endpoint): Uint8Array {
  const addr = parseIp(e.address);
  const out = new Uint8Array(4 + addr.length);
  out[1] = addr.length === 4 ? 0x01 : 0x02;
  new DataView(out.buffer).setUint16(2, e.port);
  out.set(addr, 4);
  return out;
}

/** XOR-MAPPED-ADDRESS: port with the cookie's top half, address with cookie (‖ transaction id for IPv6). */
export function xorAddressValue(e: Endpoint, id: Uint8Array): Uint8Array {
  const out = addressValue(e);
  out[2] = (out[2] ?? 0) ^ 0x21;
  out[3] = (out[3] ?? 0) ^ 0x12;
  for (let i = 4; i < out.length; i++) out[i] = (out[i] ?? 0) ^ (id[i - 4] ?? 0);
  return out;
}

export function decodeAddressValue(v: Uint8Array, xorId?: Uint8Array): Endpoint | undefined {
  if (v.length !== 8 && v.length !== 20) return undefined;
  const raw = Uint8Array.from(v);
  if (xorId !== undefined) {
    raw[2] = (raw[2] ?? 0) ^ 0x21;
    raw[3] = (raw[3] ?? 0) ^ 0x12;
    for (let i = 4; i < raw.length; i++) raw[i] = (raw[i] ?? 0) ^ (xorId[i - 4] ?? 0);
  }
  const port = new DataView(raw.buffer).getUint16(2);
  const addr = raw.subarray(4);
  return { family: addr.length === 4 ? 4 : 6, address: formatIp(addr), port };
}

export interface BindingAnswer {
  readonly mapped: Endpoint;
  /** Where the answer leaves from (RESPONSE-ORIGIN / SOURCE-ADDRESS), when known. */
  readonly origin?: Endpoint;
  /** The alternate address and port (OTHER-ADDRESS / CHANGED-ADDRESS), when known. */
  readonly other?: Endpoint;
}

export function encodeBindingResponse(req: BindingRequest, a: BindingAnswer): Uint8Array {
  const w = new StunWriter(StunType.BindingResponse, req.id);
  if (req.modern) {
    w.attr(StunAttr.XorMappedAddress, xorAddressValue(a.mapped, req.id)).attr(StunAttr.MappedAddress, addressValue(a.mapped));
    if (a.origin !== undefined) w.attr(StunAttr.ResponseOrigin, addressValue(a.origin));
    if (a.other !== undefined) w.attr(StunAttr.OtherAddress, addressValue(a.other));
  } else {
    w.attr(StunAttr.MappedAddress, addressValue(a.mapped));
    if (a.origin !== undefined) w.attr(StunAttr.SourceAddress, addressValue(a.origin));
    if (a.other !== undefined) w.attr(StunAttr.ChangedAddress, addressValue(a.other));
  }
  return w.done();
}

/** 420 answer for a CHANGE-REQUEST this server cannot honour (no alternate address). */
export function encodeUnknownAttributeError(req: BindingRequest): Uint8Array {
  const err = Uint8Array.of(0, 0, 4, 20, ...Buffer.from("No alt"));
  const unknown = Uint8Array.of(0x00, StunAttr.ChangeRequest);
  return new StunWriter(StunType.BindingError, req.id).attr(StunAttr.ErrorCode, err).attr(StunAttr.UnknownAttributes, unknown).done();
}
