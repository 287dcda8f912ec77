// Noise_IKpsk2 exactly as WIREGUARD.md §4 spells it, in both roles. Every
// random input (ephemeral key, index, timestamp) is a parameter so the §11.2
// vectors can be replayed byte for byte.
import { INITIAL_CHAIN, INITIAL_HASH } from "./constants.js";
import { stampMacs } from "./macs.js";
import { decodeMessage, encodeInitiation, encodeResponse } from "./messages.js";
import { aeadOpen, aeadSeal, dh, dhPublic, hash, kdf } from "./primitives.js";

export interface Identity {
  readonly privateKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

export interface Keypair {
  readonly sendKey: Uint8Array;
  readonly recvKey: Uint8Array;
  /** The index we chose: peers address transport messages to it. */
  readonly localIndex: number;
  /** The index the peer chose: we put it in our transport messages. */
  readonly remoteIndex: number;
  readonly isInitiator: boolean;
}

export interface PendingInitiation {
  readonly chain: Uint8Array;
  readonly hash: Uint8Array;
  readonly ephemeralPrivate: Uint8Array;
  readonly sender: number;
  readonly remoteStatic: Uint8Array;
  readonly local: Identity;
  readonly mac1: Uint8Array;
}

export interface InitiationInputs {
  readonly local: Identity;
  readonly remoteStatic: Uint8Array;
  readonly ephemeralPrivate: Uint8Array;
  readonly sender: number;
  readonly timestamp: Uint8Array;
  readonly cookie?: Uint8Array | null;
}

const ZERO = new Uint8Array(0);
const ZERO_PSK = new Uint8Array(32);

export function createInitiation(i: InitiationInputs): { bytes: Uint8Array; pending: PendingInitiation } {
  let c = INITIAL_CHAIN;
  let h = hash(INITIAL_HASH, i.remoteStatic);
  const ephemeral = dhPublic(i.ephemeralPrivate);
  [c] = kdf(1, c, ephemeral) as [Uint8Array];
  h = hash(h, ephemeral);
  const es = dh(i.ephemeralPrivate, i.remoteStatic);
  if (!es) throw new Error("es is zero");
  let k: Uint8Array;
  [c, k] = kdf(2, c, es) as [Uint8Array, Uint8Array];
  const encryptedStatic = aeadSeal(k, 0n, i.local.publicKey, h);
  h = hash(h, encryptedStatic);
  const ss = dh(i.local.privateKey, i.remoteStatic);
  if (!ss) throw new Error("ss is zero");
  [c, k] = kdf(2, c, ss) as [Uint8Array, Uint8Array];
  const encryptedTimestamp = aeadSeal(k, 0n, i.timestamp, h);
  h = hash(h, encryptedTimestamp);
  const bytes = encodeInitiation({
    sender: i.sender, ephemeral, encryptedStatic, encryptedTimestamp, mac1: new Uint8Array(16), mac2: new Uint8Array(16),
  });
  const mac1 = stampMacs(bytes, i.remoteStatic, i.cookie ?? null);
  return {
    bytes,
    pending: { chain: c, hash: h, ephemeralPrivate: i.ephemeralPrivate, sender: i.sender, remoteStatic: i.remoteStatic, local: i.local, mac1 },
  };
}

/** Initiator side of §4.4 (mac1 is not re-checked here; the caller decides what to verify). */
export function consumeResponse(p: PendingInitiation, psk: Uint8Array | null, bytes: Uint8Array): Keypair | null {
  const m = decodeMessage(bytes);
  if (!m || m.type !== 2 || m.receiver !== p.sender) return null;
  let c = kdf(1, p.chain, m.ephemeral)[0] as Uint8Array;
  let h = hash(p.hash, m.ephemeral);
  const ee = dh(p.ephemeralPrivate, m.ephemeral);
  const se = dh(p.local.privateKey, m.ephemeral);
  if (!ee || !se) return null;
  c = kdf(1, c, ee)[0] as Uint8Array;
  c = kdf(1, c, se)[0] as Uint8Array;
  const [c2, tau, k] = kdf(3, c, psk ?? ZERO_PSK) as [Uint8Array, Uint8Array, Uint8Array];
  h = hash(h, tau);
  if (!aeadOpen(k, 0n, m.encryptedNothing, h)) return null;
  const [t1, t2] = kdf(2, c2, ZERO) as [Uint8Array, Uint8Array];
  return { sendKey: t1, recvKey: t2, localIndex: p.sender, remoteIndex: m.sender, isInitiator: true };
}

export interface ConsumedInitiation {
  readonly chain: Uint8Array;
  readonly hash: Uint8Array;
  readonly remoteEphemeral: Uint8Array;
  readonly remoteSender: number;
  readonly remoteStatic: Uint8Array;
  readonly timestamp: Uint8Array;
}

/** Responder side of §4.2 without the peer lookup, replay and flood checks (the caller owns peer state). */
export function consumeInitiation(local: Identity, bytes: Uint8Array): ConsumedInitiation | null {
  const m = decodeMessage(bytes);
  if (!m || m.type !== 1) return null;
  let c = kdf(1, INITIAL_CHAIN, m.ephemeral)[0] as Uint8Array;
  let h = hash(hash(INITIAL_HASH, local.publicKey), m.ephemeral);
  const es = dh(local.privateKey, m.ephemeral);
  if (!es) return null;
  let k: Uint8Array;
  [c, k] = kdf(2, c, es) as [Uint8Array, Uint8Array];
  const remoteStatic = aeadOpen(k, 0n, m.encryptedStatic, h);
  if (!remoteStatic) return null;
  h = hash(h, m.encryptedStatic);
  const ss = dh(local.privateKey, remoteStatic);
  if (!ss) return null;
  [c, k] = kdf(2, c, ss) as [Uint8Array, Uint8Array];
  const timestamp = aeadOpen(k, 0n, m.encryptedTimestamp, h);
  if (!timestamp) return null;
  h = hash(h, m.encryptedTimestamp);
  return { chain: c, hash: h, remoteEphemeral: m.ephemeral, remoteSender: m.sender, remoteStatic, timestamp };
}

export function createResponse(params: {
  consumed: ConsumedInitiation; psk: Uint8Array | null; ephemeralPrivate: Uint8Array; sender: number; cookie?: Uint8Array | null;
}): { bytes: Uint8Array; keypair: Keypair; mac1: Uint8Array } {
  const { consumed } = params;
  const ephemeral = dhPublic(params.ephemeralPrivate);
  let c = kdf(1, consumed.chain, ephemeral)[0] as Uint8Array;
  let h = hash(consumed.hash, ephemeral);
  const ee = dh(params.ephemeralPrivate, consumed.remoteEphemeral);
  const se = dh(params.ephemeralPrivate, consumed.remoteStatic);
  if (!ee || !se) throw new Error("ee/se is zero");
  c = kdf(1, c, ee)[0] as Uint8Array;
  c = kdf(1, c, se)[0] as Uint8Array;
  const [c2, tau, k] = kdf(3, c, params.psk ?? ZERO_PSK) as [Uint8Array, Uint8Array, Uint8Array];
  h = hash(h, tau);
  const encryptedNothing = aeadSeal(k, 0n, ZERO, h);
  const bytes = encodeResponse({
    sender: params.sender, receiver: consumed.remoteSender, ephemeral, encryptedNothing,
    mac1: new Uint8Array(16), mac2: new Uint8Array(16),
  });
  const mac1 = stampMacs(bytes, consumed.remoteStatic, params.cookie ?? null);
  const [t1, t2] = kdf(2, c2, ZERO) as [Uint8Array, Uint8Array];
  return {
    bytes, mac1,
    keypair: { sendKey: t2, recvKey: t1, localIndex: params.sender, remoteIndex: consumed.remoteSender, isInitiator: false },
  };
}
