// NAT-PMP wire format (RFC 6886 §3). All multi-byte fields are big-endian.
import { formatIp } from "@plug/wireguard/net";

export const NATPMP_PORT = 5351;
export const NATPMP_VERSION = 0;

export const NatPmpOpcode = { ExternalAddress: 0, MapUdp: 1, MapTcp: 2 } as const;

export const NatPmpResult = {
  Success: 0,
  UnsupportedVersion: 1,
  NotAuthorized: 2,
  NetworkFailure: 3,
  OutOfResources: 4,
  UnsupportedOpcode: 5,
} as const;

export const natPmpResultNames: Readonly<Record<number, string>> = {
  0: "SUCCESS",
  1: "UNSUPPORTED_VERSION",
  2: "NOT_AUTHORIZED",
  3: "NETWORK_FAILURE",
  4: "OUT_OF_RESOURCES",
  5: "UNSUPPORTED_OPCODE",
};

export interface NatPmpMapRequest {
  readonly opcode: typeof NatPmpOpcode.MapUdp | typeof NatPmpOpcode.MapTcp;
  readonly internalPort: number;
  readonly suggestedExternalPort: number;
  readonly lifetimeSeconds: number;
}

export type NatPmpResponse =
  | { readonly kind: "external-address"; readonly result: number; readonly epoch: number; readonly externalAddress: string }
  | {
      readonly kind: "map";
      readonly opcode: number;
      readonly result: number;
      readonly epoch: number;
      readonly internalPort: number;
      readonly externalPort: number;
      readonly lifetimeSeconds: number;
    }
  /** Any opcode answered with only the 8-byte header (errors such as UNSUPPORTED_VERSION). */
  | { readonly kind: "short"; readonly opcode: number; readonly result: number; readonly epoch: number };

export function encodeExternalAddressRequest(): Uint8Array {
  return Uint8Array.of(NATPMP_VERSION, NatPmpOpcode.ExternalAddress);
}

export function encodeMapRequest(req: NatPmpMapRequest): Uint8Array {
  const out = new Uint8Array(12);
  const v = new DataView(out.buffer);
  out[0] = NATPMP_VERSION;
  out[1] = req.opcode;
  v.setUint16(4, req.internalPort);
  v.setUint16(6, req.suggestedExternalPort);
  v.setUint32(8, req.lifetimeSeconds);
  return out;
}

/** Decodes a server response; undefined for anything malformed or not a response. */
export function decodeNatPmpResponse(packet: Uint8Array): NatPmpResponse | undefined {
  if (packet.length < 8 || packet[0] !== NATPMP_VERSION) return undefined;
  const opcode = packet[1] ?? 0;
  if (opcode < 128) return undefined;
  const v = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
  const result = v.getUint16(2);
  const epoch = v.getUint32(4);
  const op = opcode - 128;
  if (op === NatPmpOpcode.ExternalAddress && packet.length === 12) {
    return { kind: "external-address", result, epoch, externalAddress: formatIp(packet.slice(8, 12)) };
  }
  if ((op === NatPmpOpcode.MapUdp || op === NatPmpOpcode.MapTcp) && packet.length === 16) {
    return { kind: "map", opcode: op, result, epoch, internalPort: v.getUint16(8), externalPort: v.getUint16(10), lifetimeSeconds: v.getUint32(12) };
  }
  if (packet.length === 8 || result !== NatPmpResult.Success) return { kind: "short", opcode: op, result, epoch };
  return undefined;
}
