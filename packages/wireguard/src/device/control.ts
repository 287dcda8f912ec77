// The configuration surface of a WireGuard device: what UAPI `set`/`get` and
// plugd's config file act on. The device (I/O layer) implements it by
// delegating to the sans-IO core; the UAPI and the config loader only see this.
import type { Endpoint, Prefix } from "../net/address.js";

export type Key = Uint8Array; // 32 bytes

export interface PeerSnapshot {
  readonly publicKey: Key;
  /** null when none is set (UAPI prints 64 zeros). */
  readonly presharedKey: Key | null;
  readonly endpoint: Endpoint | null;
  /** Wall-clock time of the last completed handshake, null if never. */
  readonly lastHandshake: { readonly sec: number; readonly nsec: number } | null;
  readonly rxBytes: bigint;
  readonly txBytes: bigint;
  readonly persistentKeepalive: number;
  /** In insertion order, host bits masked. */
  readonly allowedIps: readonly Prefix[];
}

export interface DeviceSnapshot {
  readonly privateKey: Key | null;
  /** The port actually bound, 0 when not bound. */
  readonly listenPort: number;
  readonly fwmark: number;
  readonly peers: readonly PeerSnapshot[];
}

/** A failure that maps to a UAPI errno (positive Linux errno value). */
export class DeviceError extends Error {
  constructor(
    message: string,
    readonly errno: number,
  ) {
    super(message);
  }
}

export const EINVAL = 22;
export const EADDRINUSE = 98;
export const EIO = 5;
export const EPROTO = 71;

export interface DeviceControl {
  snapshot(): DeviceSnapshot;
  /** null or all-zero removes the key. Clamps. Removes a peer whose public key equals ours. */
  setPrivateKey(key: Key | null): void;
  /** 0 = random port. Rejects with DeviceError(EADDRINUSE) when the port is taken. */
  setListenPort(port: number): Promise<void>;
  setFwmark(mark: number): void;
  removeAllPeers(): void;
  hasPeer(publicKey: Key): boolean;
  /** Creates the peer if it does not exist. Ignored (returns false) if it equals our own public key. */
  ensurePeer(publicKey: Key): boolean;
  removePeer(publicKey: Key): void;
  setPeerPresharedKey(publicKey: Key, psk: Key | null): void;
  setPeerEndpoint(publicKey: Key, endpoint: Endpoint): void;
  /** Seconds, 0 disables; 0 -> non-zero while up sends one keepalive at once. */
  setPeerPersistentKeepalive(publicKey: Key, seconds: number): void;
  clearPeerAllowedIps(publicKey: Key): void;
  /** Adds (moving it from any other owner). */
  addPeerAllowedIp(publicKey: Key, prefix: Prefix): void;
  /** Removes the exact prefix only if this peer owns it. */
  removePeerAllowedIp(publicKey: Key, prefix: Prefix): void;
}
