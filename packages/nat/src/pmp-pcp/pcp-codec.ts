// PCP wire format (RFC 6887 §7, §11): the common header and the MAP opcode,
// the only one a port-mapping client needs. Addresses are always 16 bytes,
// IPv4 as IPv4-mapped IPv6.
import { formatIp, parseIp } from "@plug/wireguard/net";

export const PCP_VERSION = 2;
export const PCP_HEADER_LENGTH = 24;
export const PCP_MAP_LENGTH = 36;
export const PCP_MAX_MESSAGE = 1100;

export const PcpOpcode = { Announce: 0, Map: 1, Peer: 2 } as const;

export const pcpResultNames: Readonly<Record<number, string>> = {
  0: "SUCCESS",
  1: "UNSUPP_VERSION",
  2: "NOT_AUTHORIZED",
  3: "MALFORMED_REQUEST",
  4: "UNSUPP_OPCODE",
  5: "UNSUPP_OPTION",
  6: "MALFORMED_OPTION",
  7: "NETWORK_FAILURE",
  8: "NO_RESOURCES",
  9: "UNSUPP_PROTOCOL",
  10: "USER_EX_QUOTA",
  11: "CANNOT_PROVIDE_EXTERNAL",
  12: "ADDRESS_MISMATCH",
  13: "EXCESSIVE_REMOTE_PEERS",
};

export const PcpResult = { Success: 0, UnsupportedVersion: 1 } as const;

export const IANA_PROTOCOL = { udp: 17, tcp: 6 } as const;

export interface PcpMapRequest {
  readonly lifetimeSeconds: number;
  /** The client's own address as the server will see it (else ADDRESS_MISMATCH). */
  readonly clientAddress: string;
  /** 12 random bytes tying responses and renewals to this mapping. */
  readonly nonce: Uint8Array;
  readonly protocol: number;
  readonly internalPort: number;
  readonly suggestedExternalPort: number;
  /** Empty means "any" of the client's family. */
  readonly suggestedExternalAddress?: string;
}

export interface PcpResponseHeader {
  readonly opcode: number;
  readonly result: number;
  readonly lifetimeSeconds: number;
  readonly epoch: number;
}

export interface PcpMapResponse extends PcpResponseHeader {
  readonly nonce: Uint8Array;
  readonly protocol: number;
  readonly internalPort: number;
  readonly externalPort: number;
  readonly externalAddress: string;
}

/** 16-byte PCP form: IPv4 becomes ::ffff:a.b.c.d. */
export function toPcpAddress(text: string): Uint8Array {
  const raw = parseIp(text);
  if (raw.length === 16) return raw;
  const out = new Uint8Array(16);
  out[10] = 0xff;
  out[11] = 0xff;
  out.set(raw, 12);
  return out;
}

export function fromPcpAddress(bytes: Uint8Array): string {
  const mapped = bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  return formatIp(mapped ? bytes.slice(12, 16) : bytes);
}

export function encodePcpMapRequest(req: PcpMapRequest): Uint8Array {
  if (req.nonce.length !== 12) throw new RangeError("PCP nonce must be 12 bytes");
  const out = new Uint8Array(PCP_HEADER_LENGTH + PCP_MAP_LENGTH);
  const v = new DataView(out.buffer);
  out[0] = PCP_VERSION;
  out[1] = PcpOpcode.Map;
  v.setUint32(4, req.lifetimeSeconds);
  out.set(toPcpAddress(req.clientAddress), 8);
  const o = PCP_HEADER_LENGTH;
  out.set(req.nonce, o);
  out[o + 12] = req.protocol;
  v.setUint16(o + 16, req.internalPort);
  v.setUint16(o + 18, req.suggestedExternalPort);
  const isV4 = !req.clientAddress.includes(":");
  const ext = req.suggestedExternalAddress ?? (isV4 ? "0.0.0.0" : "::");
  out.set(toPcpAddress(ext), o + 20);
  return out;
}

export function decodePcpResponseHeader(packet: Uint8Array): PcpResponseHeader | undefined {
  if (packet.length < PCP_HEADER_LENGTH || packet.length > PCP_MAX_MESSAGE || packet.length % 4 !== 0) return undefined;
  if (packet[0] !== PCP_VERSION || ((packet[1] ?? 0) & 0x80) === 0) return undefined;
  const v = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
  return { opcode: (packet[1] ?? 0) & 0x7f, result: packet[3] ?? 0, lifetimeSeconds: v.getUint32(4), epoch: v.getUint32(8) };
}

/** A MAP response (options after the MAP body are ignored); undefined when malformed. */
export function decodePcpMapResponse(packet: Uint8Array): PcpMapResponse | undefined {
  const h = decodePcpResponseHeader(packet);
  if (h === undefined || h.opcode !== PcpOpcode.Map || packet.length < PCP_HEADER_LENGTH + PCP_MAP_LENGTH) return undefined;
  const v = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
  const o = PCP_HEADER_LENGTH;
  return {
    ...h,
    nonce: packet.slice(o, o + 12),
    protocol: packet[o + 12] ?? 0,
    internalPort: v.getUint16(o + 16),
    externalPort: v.getUint16(o + 18),
    externalAddress: fromPcpAddress(packet.slice(o + 20, o + 36)),
  };
}
