// The 4-byte header every plug message starts with:
//   type (0xE0–0xEF) | version | two bytes the message type defines (zero unless stated).
import { HEADER_LENGTH, MAX_PROTOCOL_VERSION, MIN_PROTOCOL_VERSION, MessageType, PROTOCOL_VERSION } from "../constants.js";
import { DecodeError } from "./errors.js";

export interface Header {
  readonly type: number;
  readonly version: number;
  readonly b2: number;
  readonly b3: number;
}

export function readHeader(d: Uint8Array): Header {
  if (d.length < HEADER_LENGTH) throw new DecodeError("short header");
  return { type: d[0] ?? 0, version: d[1] ?? 0, b2: d[2] ?? 0, b3: d[3] ?? 0 };
}

export function writeHeader(out: Uint8Array, type: MessageType, b2 = 0, b3 = 0): void {
  out[0] = type;
  out[1] = PROTOCOL_VERSION;
  out[2] = b2;
  out[3] = b3;
}

export function isSupportedVersion(v: number): boolean {
  return v >= MIN_PROTOCOL_VERSION && v <= MAX_PROTOCOL_VERSION;
}

/** VERSION: header(4; byte1 = our version) | min | max | 0 | 0. Only sent in answer to >= 8 bytes. */
export const VERSION_MESSAGE_LENGTH = 8;

export function encodeVersionMessage(): Uint8Array {
  const out = new Uint8Array(VERSION_MESSAGE_LENGTH);
  writeHeader(out, MessageType.Version);
  out[4] = MIN_PROTOCOL_VERSION;
  out[5] = MAX_PROTOCOL_VERSION;
  return out;
}

export interface VersionInfo {
  readonly min: number;
  readonly max: number;
}

export function decodeVersionMessage(d: Uint8Array): VersionInfo {
  const h = readHeader(d);
  if (h.type !== MessageType.Version || d.length !== VERSION_MESSAGE_LENGTH) throw new DecodeError("not a version message");
  const min = d[4] ?? 0;
  const max = d[5] ?? 0;
  if (min === 0 || min > max) throw new DecodeError("bad version range");
  return { min, max };
}

/** The version both sides speak: the highest in both ranges, or undefined when they do not overlap. */
export function negotiateVersion(ours: VersionInfo, theirs: VersionInfo): number | undefined {
  const v = Math.min(ours.max, theirs.max);
  return v >= Math.max(ours.min, theirs.min) ? v : undefined;
}
