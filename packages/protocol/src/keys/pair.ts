// Pair secrets: everything two configured WireGuard peers can compute and no
// one else can (not coordd, not someone who knows one or both public keys).
import {
  EPOCH_OVERLAP_SECONDS,
  EPOCH_SECONDS,
  KEY_LENGTH,
  RID_LENGTH,
  SLOT_TOKEN_LENGTH,
} from "../constants.js";
import { CryptoError, hkdf, hmac, x25519 } from "../crypto/primitives.js";
import { Label } from "./labels.js";

/** 0 for the peer whose public key sorts lower (bytewise), 1 for the other; it names the direction. */
export type Role = 0 | 1;

export interface PairKeys {
  /** K_AB: root of every other pair secret. */
  readonly pairKey: Uint8Array;
  /** Our role in the pair. */
  readonly role: Role;
  /** Key for sealing candidate lists (both directions; the role is in the AAD). */
  readonly sealKey: Uint8Array;
  /** Key for peer-to-peer probe MACs. */
  readonly probeKey: Uint8Array;
}

export function compareKeys(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

export function roleOf(ownPublic: Uint8Array, peerPublic: Uint8Array): Role {
  const c = compareKeys(ownPublic, peerPublic);
  if (c === 0) throw new CryptoError("a peer cannot pair with itself");
  return c < 0 ? 0 : 1;
}

/**
 * K_AB = HKDF-SHA256(ikm = ss || psk, salt = pub_low || pub_high, info = "plug/v1/pair-key").
 * psk is 32 zero bytes when none is configured, so the derivation has one shape.
 */
export function derivePairKeyFromShared(
  sharedSecret: Uint8Array,
  publicLow: Uint8Array,
  publicHigh: Uint8Array,
  presharedKey?: Uint8Array,
): Uint8Array {
  const psk = presharedKey ?? new Uint8Array(KEY_LENGTH);
  if (sharedSecret.length !== KEY_LENGTH || psk.length !== KEY_LENGTH) throw new CryptoError("bad key length");
  const ikm = new Uint8Array(64);
  ikm.set(sharedSecret, 0);
  ikm.set(psk, 32);
  const salt = new Uint8Array(64);
  salt.set(publicLow, 0);
  salt.set(publicHigh, 32);
  return hkdf(ikm, salt, Label.pairKey, KEY_LENGTH);
}

export function derivePairKeys(
  ownPrivate: Uint8Array,
  ownPublic: Uint8Array,
  peerPublic: Uint8Array,
  presharedKey?: Uint8Array,
): PairKeys {
  const role = roleOf(ownPublic, peerPublic);
  const ss = x25519(ownPrivate, peerPublic);
  const [lo, hi] = role === 0 ? [ownPublic, peerPublic] : [peerPublic, ownPublic];
  const pairKey = derivePairKeyFromShared(ss, lo, hi, presharedKey);
  const empty = new Uint8Array(0);
  return {
    pairKey,
    role,
    sealKey: hkdf(pairKey, empty, Label.sealKey, KEY_LENGTH),
    probeKey: hkdf(pairKey, empty, Label.probeKey, KEY_LENGTH),
  };
}

export function epochAt(unixSeconds: number): bigint {
  return BigInt(Math.floor(unixSeconds / EPOCH_SECONDS));
}

function u64be(v: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, v);
  return b;
}

/** rid = HMAC-SHA256(K_AB, "plug/v1/rid" || u64be(epoch))[0..16]. */
export function deriveRid(pairKey: Uint8Array, epoch: bigint): Uint8Array {
  return hmac(pairKey, Label.rid, u64be(epoch)).subarray(0, RID_LENGTH);
}

/** slot = HMAC-SHA256(K_AB, "plug/v1/slot" || rid || role)[0..16]: proves to coordd that a re-registration is the same side. */
export function deriveSlotToken(pairKey: Uint8Array, rid: Uint8Array, role: Role): Uint8Array {
  return hmac(pairKey, Label.slot, rid, Uint8Array.of(role)).subarray(0, SLOT_TOKEN_LENGTH);
}

/**
 * The epochs a client should hold registrations for at this moment: the
 * current one, plus the next within EPOCH_OVERLAP of its start and the
 * previous within EPOCH_OVERLAP after its end (clock skew between peers).
 */
export function activeEpochs(unixSeconds: number): bigint[] {
  const e = epochAt(unixSeconds);
  const into = unixSeconds - Number(e) * EPOCH_SECONDS;
  const out = [e];
  if (into >= EPOCH_SECONDS - EPOCH_OVERLAP_SECONDS) out.push(e + 1n);
  if (into < EPOCH_OVERLAP_SECONDS) out.unshift(e - 1n);
  return out;
}
