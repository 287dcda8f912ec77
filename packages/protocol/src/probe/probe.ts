// Peer-to-peer probes (PING/PONG), sent to every candidate at once to punch
// holes and choose the path. Both are 51 bytes, so a pong is never larger
// than the ping it answers, and both carry a MAC under the pair's probe key
// so nobody else can make a peer answer or fake a path.
//   header(4; byte2 = sender role) | txid(12) | 19 bytes | mac(16)
// In a PING the 19 bytes are zero; in a PONG they are the ping's source
// address as the answering peer saw it (family, port, address, zero padded).
import type { Endpoint } from "@plug/wireguard/net";
import { HEADER_LENGTH, MessageType, PROBE_MAC_LENGTH, PROBE_TXID_LENGTH } from "../constants.js";
import { hmac, timingSafeEqualBytes } from "../crypto/primitives.js";
import type { Role } from "../keys/pair.js";
import { DecodeError } from "../wire/errors.js";
import { readEndpoint, writeEndpoint } from "../wire/endpoint.js";
import { readHeader, writeHeader } from "../wire/header.js";
import { ByteReader } from "../wire/reader.js";
import { ByteWriter } from "../wire/writer.js";

const ADDR_FIELD = 19;
const MAC_OFFSET = HEADER_LENGTH + PROBE_TXID_LENGTH + ADDR_FIELD;
export const PROBE_LENGTH = MAC_OFFSET + PROBE_MAC_LENGTH;

export type Probe =
  | { readonly kind: "ping"; readonly senderRole: Role; readonly txid: Uint8Array }
  | { readonly kind: "pong"; readonly senderRole: Role; readonly txid: Uint8Array; readonly observed: Endpoint };

function finish(probeKey: Uint8Array, out: Uint8Array): Uint8Array {
  out.set(hmac(probeKey, out.subarray(0, MAC_OFFSET)).subarray(0, PROBE_MAC_LENGTH), MAC_OFFSET);
  return out;
}

export function encodePing(probeKey: Uint8Array, senderRole: Role, txid: Uint8Array): Uint8Array {
  if (txid.length !== PROBE_TXID_LENGTH) throw new RangeError("bad txid length");
  const out = new Uint8Array(PROBE_LENGTH);
  writeHeader(out, MessageType.ProbePing, senderRole);
  out.set(txid, HEADER_LENGTH);
  return finish(probeKey, out);
}

export function encodePong(probeKey: Uint8Array, senderRole: Role, txid: Uint8Array, observed: Endpoint): Uint8Array {
  if (txid.length !== PROBE_TXID_LENGTH) throw new RangeError("bad txid length");
  const out = new Uint8Array(PROBE_LENGTH);
  writeHeader(out, MessageType.ProbePong, senderRole);
  out.set(txid, HEADER_LENGTH);
  const w = new ByteWriter(ADDR_FIELD);
  writeEndpoint(w, observed);
  out.set(w.bytes, HEADER_LENGTH + PROBE_TXID_LENGTH);
  return finish(probeKey, out);
}

/**
 * Verifies and parses a probe. `expectedSenderRole` is the partner's role:
 * a probe claiming our own role is our own packet reflected back, refused.
 * Returns undefined for anything that does not verify.
 */
export function openProbe(probeKey: Uint8Array, expectedSenderRole: Role, d: Uint8Array): Probe | undefined {
  try {
    if (d.length !== PROBE_LENGTH) throw new DecodeError("probe size");
    const h = readHeader(d);
    if (h.b2 !== expectedSenderRole || h.b3 !== 0) return undefined;
    const mac = hmac(probeKey, d.subarray(0, MAC_OFFSET)).subarray(0, PROBE_MAC_LENGTH);
    if (!timingSafeEqualBytes(mac, d.subarray(MAC_OFFSET))) return undefined;
    const txid = Uint8Array.from(d.subarray(HEADER_LENGTH, HEADER_LENGTH + PROBE_TXID_LENGTH));
    const field = d.subarray(HEADER_LENGTH + PROBE_TXID_LENGTH, MAC_OFFSET);
    if (h.type === MessageType.ProbePing) {
      if (field.some((b) => b !== 0)) return undefined;
      return { kind: "ping", senderRole: expectedSenderRole, txid };
    }
    if (h.type === MessageType.ProbePong) {
      return { kind: "pong", senderRole: expectedSenderRole, txid, observed: readEndpoint(new ByteReader(field)) };
    }
  } catch {
    return undefined;
  }
  return undefined;
}
