// What one peer tells its partner through coordd, and its sealing. coordd
// carries the sealed bytes opaque: it cannot read them (AEAD under a key only
// the pair has) nor forge or redirect them (the rid and the sender's role are
// authenticated as associated data, so a blob cannot be moved to another rid
// or reflected back to its sender).
import type { Endpoint } from "@plug/wireguard/net";
import { AEAD_TAG_LENGTH, MAX_CANDIDATES, MAX_SEALED_LENGTH, RID_LENGTH, SEAL_NONCE_LENGTH } from "../constants.js";
import { aeadOpen, aeadSeal } from "../crypto/primitives.js";
import type { Role } from "../keys/pair.js";
import { Label } from "../keys/labels.js";
import { DecodeError } from "../wire/errors.js";
import { endpointWireLength, readEndpoint, writeEndpoint } from "../wire/endpoint.js";
import { ByteReader } from "../wire/reader.js";
import { ByteWriter } from "../wire/writer.js";

export const CandidateKind = {
  /** An address on a local interface (same-LAN path). */
  Lan: 1,
  /** A global IPv6 address of a local interface. */
  Ipv6: 2,
  /** The public address STUN observed. */
  Public: 3,
  /** An address mapped by UPnP IGD / NAT-PMP / PCP. */
  PortMapped: 4,
} as const;
export type CandidateKind = (typeof CandidateKind)[keyof typeof CandidateKind];

/** RFC 4787 behaviours, as the NAT discovery classifies them. */
export const NatBehavior = {
  Unknown: 0,
  EndpointIndependent: 1,
  AddressDependent: 2,
  AddressAndPortDependent: 3,
} as const;
export type NatBehavior = (typeof NatBehavior)[keyof typeof NatBehavior];

export const RelayPolicy = {
  /** Relay only when no direct path works (the default). */
  LastResort: 0,
  /** Use the relay at once (e.g. a network known to block UDP between peers). */
  Prefer: 1,
  /** Never relay. */
  Never: 2,
} as const;
export type RelayPolicy = (typeof RelayPolicy)[keyof typeof RelayPolicy];

export interface Candidate {
  readonly kind: CandidateKind;
  readonly endpoint: Endpoint;
}

export interface CandidateList {
  /** Sender's wall clock in milliseconds; receivers keep only the newest list per rid. */
  readonly timestampMs: bigint;
  readonly mapping: NatBehavior;
  readonly filtering: NatBehavior;
  readonly relay: RelayPolicy;
  readonly candidates: readonly Candidate[];
}

const LIST_VERSION = 1;

export function encodeCandidateList(list: CandidateList): Uint8Array {
  if (list.candidates.length > MAX_CANDIDATES) throw new RangeError(`at most ${MAX_CANDIDATES} candidates`);
  let size = 1 + 1 + 8 + 1 + 1 + 1;
  for (const c of list.candidates) size += 1 + endpointWireLength(c.endpoint);
  const w = new ByteWriter(size);
  w.u8(LIST_VERSION).u8(list.relay).u64(list.timestampMs).u8(list.mapping).u8(list.filtering).u8(list.candidates.length);
  for (const c of list.candidates) {
    w.u8(c.kind);
    writeEndpoint(w, c.endpoint);
  }
  return w.done();
}

function enumValue<T extends number>(v: number, max: number, what: string): T {
  if (v > max) throw new DecodeError(`bad ${what}`);
  return v as T;
}

export function decodeCandidateList(bytes: Uint8Array): CandidateList {
  const r = new ByteReader(bytes);
  if (r.u8() !== LIST_VERSION) throw new DecodeError("unknown candidate list version");
  const relay = enumValue<RelayPolicy>(r.u8(), 2, "relay policy");
  const timestampMs = r.u64();
  const mapping = enumValue<NatBehavior>(r.u8(), 3, "mapping behaviour");
  const filtering = enumValue<NatBehavior>(r.u8(), 3, "filtering behaviour");
  const count = r.u8();
  if (count > MAX_CANDIDATES) throw new DecodeError("too many candidates");
  const candidates: Candidate[] = [];
  for (let i = 0; i < count; i++) {
    const kind = r.u8();
    if (kind < 1 || kind > 4) throw new DecodeError("bad candidate kind");
    candidates.push({ kind: kind as CandidateKind, endpoint: readEndpoint(r) });
  }
  r.expectEnd();
  return { timestampMs, mapping, filtering, relay, candidates };
}

function sealAad(rid: Uint8Array, senderRole: Role): Uint8Array {
  const label = Buffer.from(Label.sealAad);
  const aad = new Uint8Array(label.length + RID_LENGTH + 1);
  aad.set(label, 0);
  aad.set(rid, label.length);
  aad[label.length + RID_LENGTH] = senderRole;
  return aad;
}

/** sealed = nonce(12, random) || ChaCha20-Poly1305(sealKey, nonce, list, aad = label || rid || senderRole). */
export function sealCandidates(
  sealKey: Uint8Array,
  rid: Uint8Array,
  senderRole: Role,
  list: CandidateList,
  random: (n: number) => Uint8Array,
): Uint8Array {
  const nonce = random(SEAL_NONCE_LENGTH);
  const ct = aeadSeal(sealKey, nonce, encodeCandidateList(list), sealAad(rid, senderRole));
  const out = new Uint8Array(SEAL_NONCE_LENGTH + ct.length);
  out.set(nonce, 0);
  out.set(ct, SEAL_NONCE_LENGTH);
  if (out.length > MAX_SEALED_LENGTH) throw new RangeError("sealed candidate list too long");
  return out;
}

/** Returns undefined for anything that does not open or parse: the caller discards it. */
export function openCandidates(
  sealKey: Uint8Array,
  rid: Uint8Array,
  senderRole: Role,
  sealed: Uint8Array,
): CandidateList | undefined {
  if (sealed.length < SEAL_NONCE_LENGTH + AEAD_TAG_LENGTH || sealed.length > MAX_SEALED_LENGTH) return undefined;
  const plain = aeadOpen(sealKey, sealed.subarray(0, SEAL_NONCE_LENGTH), sealed.subarray(SEAL_NONCE_LENGTH), sealAad(rid, senderRole));
  if (plain === undefined) return undefined;
  try {
    return decodeCandidateList(plain);
  } catch {
    return undefined;
  }
}
