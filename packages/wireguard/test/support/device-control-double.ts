// TEST DOUBLE, used only by tests. An in-memory stand-in for a WireGuard device
// behind the DeviceControl interface (src/device/control.ts): no sockets, no
// sans-IO core, no crypto beyond deriving our own public key. It exists to test
// what drives a device, the UAPI text protocol (packages/wireguard/test/uapi.test.ts,
// apps/plugd/test/uapi-server.test.ts) and config application
// (apps/plugd/test/config-apply.test.ts, config-wg-parity.test.ts), and it
// models only the device rules those callers depend on:
//
// - Private key: null or all-zero removes it; otherwise it is clamped. Setting
//   it removes a peer whose public key equals our new public key.
// - Our own public key as a peer is ignored: ensurePeer returns false and
//   creates nothing (callers then skip that peer section).
// - Listen port: 0 "binds a random port", which is always RANDOM_PORT (40000);
//   ports passed in `busyPorts` are refused with DeviceError(EADDRINUSE).
// - Peers keep insertion order; removeAllPeers/removePeer delete them.
// - Preshared key: null or all-zero removes it.
// - Allowed IPs are exclusive, as in the device's routing table: adding a
//   prefix moves it from whichever peer held it; removing a prefix only
//   affects the named peer, and only the exact prefix. Prefixes are stored as
//   given: masking host bits is the parser's job (parsePrefix), and the double
//   deliberately does not do it, so tests of masking test the parser.
// - Handshake time and byte counters are never changed by the double; tests may
//   set them directly on `peers` to shape what `get` prints.
//
// Every mutating call is appended to `calls` ("setListenPort 51000",
// "setFwmark 16", otherwise the bare method name) so tests can check the order
// of operations; queries (snapshot, hasPeer) are not logged. Calling a peer
// setter for a peer that does not exist throws a plain Error: the callers under
// test must create peers first.
//
// It is built on this package's sources, so the DeviceError it throws is the
// class from src/device/control.ts.
import {
  DeviceError,
  EADDRINUSE,
  clampPrivateKey,
  isZeroKey,
  keyToHex,
  prefixEquals,
  publicKeyFromPrivate,
  type DeviceControl,
  type DeviceSnapshot,
  type Endpoint,
  type Key,
  type Prefix,
} from "../../src/index.js";

/** A peer as the double holds it: a mutable PeerSnapshot. */
export interface DeviceControlTestDoublePeer {
  publicKey: Key;
  presharedKey: Key | null;
  endpoint: Endpoint | null;
  lastHandshake: { sec: number; nsec: number } | null;
  rxBytes: bigint;
  txBytes: bigint;
  persistentKeepalive: number;
  allowedIps: Prefix[];
}

export interface DeviceControlTestDoubleOptions {
  /** Ports that setListenPort refuses with DeviceError(EADDRINUSE), as if another socket held them. */
  readonly busyPorts?: Iterable<number>;
}

/** Test double: an in-memory DeviceControl (see the header comment for what it models). */
export class DeviceControlTestDouble implements DeviceControl {
  /** The port that setListenPort(0) pretends to have picked. */
  static readonly RANDOM_PORT = 40000;

  privateKey: Key | null = null;
  listenPort = 0;
  fwmark = 0;
  /** Keyed by lower-case hex public key, in insertion order. */
  readonly peers = new Map<string, DeviceControlTestDoublePeer>();
  /** Every mutating call, in order; tests may reset it. */
  calls: string[] = [];
  private readonly busyPorts: ReadonlySet<number>;

  constructor(options: DeviceControlTestDoubleOptions = {}) {
    this.busyPorts = new Set(options.busyPorts ?? []);
  }

  /** Our own public key in lower-case hex, null without a private key. */
  ownPublic(): string | null {
    return this.privateKey === null ? null : keyToHex(publicKeyFromPrivate(this.privateKey));
  }

  snapshot(): DeviceSnapshot {
    const peers = [...this.peers.values()].map((p) => ({ ...p, allowedIps: [...p.allowedIps] }));
    return { privateKey: this.privateKey, listenPort: this.listenPort, fwmark: this.fwmark, peers };
  }

  setPrivateKey(key: Key | null): void {
    this.calls.push("setPrivateKey");
    this.privateKey = key === null || isZeroKey(key) ? null : clampPrivateKey(key);
    const own = this.ownPublic();
    if (own !== null) this.peers.delete(own);
  }

  async setListenPort(port: number): Promise<void> {
    this.calls.push(`setListenPort ${port}`);
    if (this.busyPorts.has(port)) throw new DeviceError("address in use", EADDRINUSE);
    this.listenPort = port === 0 ? DeviceControlTestDouble.RANDOM_PORT : port;
  }

  setFwmark(mark: number): void {
    this.calls.push(`setFwmark ${mark}`);
    this.fwmark = mark;
  }

  removeAllPeers(): void {
    this.calls.push("removeAllPeers");
    this.peers.clear();
  }

  hasPeer(publicKey: Key): boolean {
    return this.peers.has(keyToHex(publicKey));
  }

  ensurePeer(publicKey: Key): boolean {
    this.calls.push("ensurePeer");
    if (keyToHex(publicKey) === this.ownPublic()) return false;
    if (!this.hasPeer(publicKey)) {
      this.peers.set(keyToHex(publicKey), {
        publicKey, presharedKey: null, endpoint: null, lastHandshake: null,
        rxBytes: 0n, txBytes: 0n, persistentKeepalive: 0, allowedIps: [],
      });
    }
    return true;
  }

  removePeer(publicKey: Key): void {
    this.calls.push("removePeer");
    this.peers.delete(keyToHex(publicKey));
  }

  setPeerPresharedKey(publicKey: Key, psk: Key | null): void {
    this.calls.push("setPeerPresharedKey");
    this.peer(publicKey).presharedKey = psk === null || isZeroKey(psk) ? null : psk;
  }

  setPeerEndpoint(publicKey: Key, endpoint: Endpoint): void {
    this.calls.push("setPeerEndpoint");
    this.peer(publicKey).endpoint = endpoint;
  }

  setPeerPersistentKeepalive(publicKey: Key, seconds: number): void {
    this.calls.push("setPeerPersistentKeepalive");
    this.peer(publicKey).persistentKeepalive = seconds;
  }

  clearPeerAllowedIps(publicKey: Key): void {
    this.calls.push("clearPeerAllowedIps");
    this.peer(publicKey).allowedIps = [];
  }

  addPeerAllowedIp(publicKey: Key, prefix: Prefix): void {
    this.calls.push("addPeerAllowedIp");
    const owner = this.peer(publicKey);
    for (const p of this.peers.values()) p.allowedIps = p.allowedIps.filter((q) => !prefixEquals(q, prefix));
    owner.allowedIps.push(prefix);
  }

  removePeerAllowedIp(publicKey: Key, prefix: Prefix): void {
    this.calls.push("removePeerAllowedIp");
    const p = this.peer(publicKey);
    p.allowedIps = p.allowedIps.filter((q) => !prefixEquals(q, prefix));
  }

  private peer(publicKey: Key): DeviceControlTestDoublePeer {
    const p = this.peers.get(keyToHex(publicKey));
    if (p === undefined) throw new Error(`test double: no peer ${keyToHex(publicKey)}`);
    return p;
  }
}
