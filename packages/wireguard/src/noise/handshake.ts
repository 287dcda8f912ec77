// Noise_IKpsk2 as WireGuard uses it (§4), one function per step. These are
// pure state transitions: ephemeral keys, timestamps and indices come in as
// arguments so the known-answer vectors can drive them, and nothing here
// touches the index table, timers or the network. An optional `trace`
// callback sees every intermediate value (tests only; never log it).
import { hash, kdf1, kdf2, kdf3 } from "../crypto/blake2s.js";
import { aeadOpen, aeadSeal } from "../crypto/aead.js";
import { dh, privateKeyObject, x25519PublicKey, type X25519PrivateKey } from "../crypto/x25519.js";
import { INITIAL_CHAIN_KEY, INITIAL_HASH, ZERO_KEY } from "./constants.js";
import { encodeInitiation, encodeResponse, type InitiationMessage, type ResponseMessage } from "./messages.js";

export const HandshakeState = {
  Zeroed: 0,
  InitiationCreated: 1,
  InitiationConsumed: 2,
  ResponseCreated: 3,
  ResponseConsumed: 4,
} as const;
export type HandshakeState = (typeof HandshakeState)[keyof typeof HandshakeState];

export type Trace = (label: string, value: Uint8Array) => void;

const EMPTY = new Uint8Array(0);

/** The per-peer handshake slot (§6.2). */
export class Handshake {
  state: HandshakeState = HandshakeState.Zeroed;
  chainKey: Uint8Array = ZERO_KEY;
  hash: Uint8Array = ZERO_KEY;
  localEphemeral: Uint8Array | null = null;
  /**
   * The same ephemeral imported into OpenSSL by createInitiation. consumeResponse
   * derives with it: importing the bytes again would cost a base-point
   * multiplication (~70 us here, as much as a DH) per handshake.
   */
  localEphemeralKey: X25519PrivateKey | null = null;
  remoteEphemeral: Uint8Array | null = null;
  /** Our index in the device's index table while a handshake entry exists. */
  localIndex: number | null = null;
  remoteIndex = 0;
  /** Greatest TAI64N ever accepted from this peer; survives clear() (§12 pitfall 12). */
  greatestTimestamp: Uint8Array | null = null;
  /** Monotonic ms of the last initiation accepted from this peer (20 ms flood limit). */
  lastInitiationConsumed: number | null = null;
  /** Monotonic ms of the last initiation or response we sent (one per REKEY_TIMEOUT). */
  lastSentHandshake: number | null = null;

  /** Forgets the session in progress; keeps the replay/flood/rate history. */
  clear(): void {
    this.state = HandshakeState.Zeroed;
    this.chainKey = ZERO_KEY;
    this.hash = ZERO_KEY;
    this.localEphemeral?.fill(0);
    this.localEphemeral = null;
    this.localEphemeralKey = null;
    this.remoteEphemeral = null;
    this.localIndex = null;
    this.remoteIndex = 0;
  }
}

export interface TransportKeys {
  readonly send: Uint8Array;
  readonly receive: Uint8Array;
}

/** §4.5: T1 is initiator->responder, T2 responder->initiator. */
export function deriveTransportKeys(chainKey: Uint8Array, isInitiator: boolean): TransportKeys {
  const [t1, t2] = kdf2(chainKey, EMPTY);
  return isInitiator ? { send: t1, receive: t2 } : { send: t2, receive: t1 };
}

export interface InitiationParams {
  readonly localPublic: Uint8Array;
  readonly remotePublic: Uint8Array;
  /** Precomputed DH(S_local, S_remote); null when it was all zero. */
  readonly staticShared: Uint8Array | null;
  readonly ephemeralPrivate: Uint8Array;
  readonly timestamp: Uint8Array;
  readonly senderIndex: number;
}

/** §4.1. Returns message 1 with zero macs, or null when a DH is unusable. Updates `hs` only on success. */
export function createInitiation(hs: Handshake, p: InitiationParams, trace?: Trace): Uint8Array | null {
  if (p.staticShared === null) return null;
  let h = hash(INITIAL_HASH, p.remotePublic);
  trace?.("H0", h);
  // Imported once: the import yields the public key and serves both DHs.
  const ephemeralKey = privateKeyObject(p.ephemeralPrivate);
  const ephemeral = x25519PublicKey(ephemeralKey);
  trace?.("Epub_i", ephemeral);
  let c = kdf1(INITIAL_CHAIN_KEY, ephemeral);
  h = hash(h, ephemeral);
  trace?.("C1", c);
  trace?.("H1", h);
  const es = dh(ephemeralKey, p.remotePublic);
  if (es === null) return null;
  let k: Uint8Array;
  [c, k] = kdf2(c, es);
  trace?.("C2", c);
  trace?.("k_static", k);
  const encryptedStatic = aeadSeal(k, 0n, p.localPublic, h);
  trace?.("encrypted_static", encryptedStatic);
  h = hash(h, encryptedStatic);
  trace?.("H2", h);
  [c, k] = kdf2(c, p.staticShared);
  trace?.("C3", c);
  trace?.("k_timestamp", k);
  const encryptedTimestamp = aeadSeal(k, 0n, p.timestamp, h);
  trace?.("encrypted_timestamp", encryptedTimestamp);
  h = hash(h, encryptedTimestamp);
  trace?.("H3", h);
  hs.state = HandshakeState.InitiationCreated;
  hs.chainKey = c;
  hs.hash = h;
  hs.localEphemeral = Uint8Array.from(p.ephemeralPrivate);
  hs.localEphemeralKey = ephemeralKey;
  hs.remoteEphemeral = null;
  hs.localIndex = p.senderIndex;
  return encodeInitiation({ sender: p.senderIndex, ephemeral, encryptedStatic, encryptedTimestamp });
}

export interface OpenedInitiation {
  readonly chainKey: Uint8Array;
  readonly hash: Uint8Array;
  readonly initiatorStatic: Uint8Array;
}

/** §4.2 steps 1-4: reveals who claims to be initiating. The caller then looks the peer up. */
export function openInitiation(
  msg: InitiationMessage,
  localPrivate: Uint8Array | X25519PrivateKey,
  localPublic: Uint8Array,
  trace?: Trace,
): OpenedInitiation | null {
  let h = hash(INITIAL_HASH, localPublic);
  const c1 = kdf1(INITIAL_CHAIN_KEY, msg.ephemeral);
  h = hash(h, msg.ephemeral);
  trace?.("C1", c1);
  trace?.("H1", h);
  const es = dh(localPrivate, msg.ephemeral);
  if (es === null) return null;
  const [c, k] = kdf2(c1, es);
  trace?.("C2", c);
  const initiatorStatic = aeadOpen(k, 0n, msg.encryptedStatic, h);
  if (initiatorStatic === null || initiatorStatic.length !== 32) return null;
  h = hash(h, msg.encryptedStatic);
  trace?.("H2", h);
  return { chainKey: c, hash: h, initiatorStatic: Uint8Array.from(initiatorStatic) };
}

export interface ConsumedInitiation {
  readonly chainKey: Uint8Array;
  readonly hash: Uint8Array;
  readonly timestamp: Uint8Array;
}

/** §4.2 steps 6-7, with the peer's precomputed static-static value. */
export function finishInitiation(
  msg: InitiationMessage,
  opened: OpenedInitiation,
  staticShared: Uint8Array | null,
  trace?: Trace,
): ConsumedInitiation | null {
  if (staticShared === null) return null;
  const [c, k] = kdf2(opened.chainKey, staticShared);
  trace?.("C3", c);
  const timestamp = aeadOpen(k, 0n, msg.encryptedTimestamp, opened.hash);
  if (timestamp === null || timestamp.length !== 12) return null;
  const h = hash(opened.hash, msg.encryptedTimestamp);
  trace?.("H3", h);
  return { chainKey: c, hash: h, timestamp: Uint8Array.from(timestamp) };
}

/** §4.2 step 10: commits an accepted initiation into the slot (overwriting our own attempt). */
export function commitInitiation(hs: Handshake, msg: InitiationMessage, consumed: ConsumedInitiation, now: number): void {
  hs.clear();
  hs.state = HandshakeState.InitiationConsumed;
  hs.chainKey = consumed.chainKey;
  hs.hash = consumed.hash;
  hs.remoteEphemeral = Uint8Array.from(msg.ephemeral);
  hs.remoteIndex = msg.sender;
  hs.greatestTimestamp = consumed.timestamp;
  hs.lastInitiationConsumed = now;
}

export interface ResponseParams {
  readonly initiatorStatic: Uint8Array;
  readonly ephemeralPrivate: Uint8Array;
  readonly senderIndex: number;
  /** 32 zero bytes when no PSK is configured (never skipped). */
  readonly presharedKey: Uint8Array;
}

/** §4.3 and the responder's half of §4.5. Returns message 2 with zero macs and the session keys. */
export function createResponse(
  hs: Handshake,
  p: ResponseParams,
  trace?: Trace,
): { message: Uint8Array; keys: TransportKeys } | null {
  if (hs.state !== HandshakeState.InitiationConsumed || hs.remoteEphemeral === null) return null;
  const ephemeralKey = privateKeyObject(p.ephemeralPrivate);
  const ephemeral = x25519PublicKey(ephemeralKey);
  trace?.("Epub_r", ephemeral);
  let c = kdf1(hs.chainKey, ephemeral);
  let h = hash(hs.hash, ephemeral);
  trace?.("C4", c);
  trace?.("H4", h);
  const ee = dh(ephemeralKey, hs.remoteEphemeral);
  if (ee === null) return null;
  c = kdf1(c, ee);
  trace?.("C5", c);
  const se = dh(ephemeralKey, p.initiatorStatic);
  if (se === null) return null;
  c = kdf1(c, se);
  trace?.("C6", c);
  const [c7, tau, k] = kdf3(c, p.presharedKey);
  trace?.("C7", c7);
  trace?.("tau", tau);
  trace?.("k_empty", k);
  h = hash(h, tau);
  trace?.("H5", h);
  const encryptedNothing = aeadSeal(k, 0n, EMPTY, h);
  trace?.("encrypted_nothing", encryptedNothing);
  h = hash(h, encryptedNothing);
  trace?.("H6", h);
  const message = encodeResponse({ sender: p.senderIndex, receiver: hs.remoteIndex, ephemeral, encryptedNothing });
  const keys = deriveTransportKeys(c7, false);
  const remoteIndex = hs.remoteIndex;
  hs.clear();
  // The slot's index becomes the keypair's index; the caller converts the table entry.
  hs.state = HandshakeState.ResponseCreated;
  hs.localIndex = p.senderIndex;
  hs.remoteIndex = remoteIndex;
  return { message, keys };
}

export interface ResponseConsumeParams {
  readonly localPrivate: Uint8Array | X25519PrivateKey;
  readonly presharedKey: Uint8Array;
}

/** §4.4 and the initiator's half of §4.5. `hs` changes only when the response authenticates. */
export function consumeResponse(
  hs: Handshake,
  msg: ResponseMessage,
  p: ResponseConsumeParams,
  trace?: Trace,
): TransportKeys | null {
  if (hs.state !== HandshakeState.InitiationCreated || hs.localEphemeral === null) return null;
  let c = kdf1(hs.chainKey, msg.ephemeral);
  let h = hash(hs.hash, msg.ephemeral);
  trace?.("C4", c);
  trace?.("H4", h);
  const ee = dh(hs.localEphemeralKey ?? hs.localEphemeral, msg.ephemeral);
  if (ee === null) return null;
  c = kdf1(c, ee);
  trace?.("C5", c);
  const se = dh(p.localPrivate, msg.ephemeral);
  if (se === null) return null;
  c = kdf1(c, se);
  trace?.("C6", c);
  const [c7, tau, k] = kdf3(c, p.presharedKey);
  trace?.("C7", c7);
  trace?.("tau", tau);
  h = hash(h, tau);
  trace?.("H5", h);
  const nothing = aeadOpen(k, 0n, msg.encryptedNothing, h);
  if (nothing === null || nothing.length !== 0) return null;
  h = hash(h, msg.encryptedNothing);
  trace?.("H6", h);
  const keys = deriveTransportKeys(c7, true);
  const localIndex = hs.localIndex;
  hs.clear();
  hs.state = HandshakeState.ResponseConsumed;
  hs.localIndex = localIndex;
  hs.remoteIndex = msg.sender;
  return keys;
}
