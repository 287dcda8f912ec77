// What the device needs from the sans-IO core: the DeviceCore contract
// (core/types.ts) as an interface, so the device can also be driven by a test
// double of the core for faults the real core cannot produce.
import type { Endpoint, Prefix } from "../net/address.js";
import type { CoreOptions, CoreStats } from "../core/types.js";
import type { Key, PeerSnapshot } from "./control.js";

export interface CorePort {
  getPrivateKey(): Key | null;
  setPrivateKey(key: Key | null): void;
  hasPeer(publicKey: Key): boolean;
  ensurePeer(publicKey: Key): boolean;
  removePeer(publicKey: Key): void;
  removeAllPeers(): void;
  setPeerPresharedKey(publicKey: Key, psk: Key | null): void;
  setPeerEndpoint(publicKey: Key, endpoint: Endpoint): void;
  setPeerPersistentKeepalive(publicKey: Key, seconds: number): void;
  nudgePeer(publicKey: Key): void;
  clearPeerAllowedIps(publicKey: Key): void;
  addPeerAllowedIp(publicKey: Key, prefix: Prefix): void;
  removePeerAllowedIp(publicKey: Key, prefix: Prefix): void;
  peers(): PeerSnapshot[];
  setMtu(mtu: number): void;
  clearSourceCaches(): void;
  up(): void;
  down(): void;
  /** Ownership of `data` passes to the core: transport messages are decrypted in place. */
  handleDatagram(data: Uint8Array, from: Endpoint): void;
  handleTunPackets(packets: readonly Uint8Array[]): void;
  nextDeadline(): number | null;
  tick(): void;
  readonly stats: CoreStats;
}

export type CoreFactory = (options: CoreOptions) => CorePort;
