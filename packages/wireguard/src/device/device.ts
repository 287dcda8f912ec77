// WireGuardDevice: the I/O edge around the sans-IO DeviceCore. It owns the
// TUN device, the one UDP socket and the one timer, and implements the
// configuration surface (DeviceControl) by delegating to the core.
//
// Timer discipline: after every input (datagram, TUN batch, tick, config
// call) the single setTimeout is re-armed to core.nextDeadline(); when the
// core has nothing pending the timer is cleared, so an idle device never wakes.
import { performance } from "node:perf_hooks";
import { setSocketMark, UDP_RECORD_SIZE } from "@plug/fastpath";
import type { TunDevice } from "@plug/tun";
import type { Endpoint, Prefix } from "../net/address.js";
import type { Logger } from "../log/logger.js";
import type { Clock, CoreStats } from "../core/types.js";
import { DeviceError, EADDRINUSE, EIO, type DeviceControl, type DeviceSnapshot, type Key } from "./control.js";
import type { CoreFactory, CorePort } from "./core-port.js";
import { defaultCoreFactory } from "./default-core.js";
import { EndpointRecords } from "./endpoint-records.js";
import { RandomPool } from "./random-pool.js";
import { openUdpSocket, type UdpSocket } from "./udp-socket.js";

export interface WireGuardDeviceOptions {
  readonly tun: TunDevice;
  readonly log: Logger;
  /** TUN MTU, for transport padding. */
  readonly mtu: number;
  /** Replaces the real DeviceCore; for tests that need a fault the real core cannot produce. */
  readonly createCore?: CoreFactory;
}

/** Counters of the I/O edge, next to the core's own. */
export interface DeviceIoStats {
  udpSendErrors: number;
  /** Datagrams dropped because the UDP socket's send buffer was full. */
  udpSendDroppedFull: number;
  udpSocketErrors: number;
  /** Datagrams for an IPv6 endpoint on a host where only udp4 could be bound. */
  udpUnreachableFamily: number;
  tunWriteDropped: number;
  /** Exceptions thrown by the core on an input (bugs), contained so the device keeps running. */
  coreExceptions: number;
}

/**
 * What a coordination layer plugs into the device's one UDP socket
 * (DESIGN.md principle 2: the mapping STUN observes must be WireGuard's).
 */
export interface DatagramExtension {
  /** Every received datagram that is not WireGuard (STUN, plug messages). */
  receive(datagram: Uint8Array, from: Endpoint): void;
  /**
   * Whether WireGuard datagrams to `to` are the extension's to carry (a relay
   * path appears to the core as a virtual endpoint). Called per send: keep it cheap.
   */
  owns(to: Endpoint): boolean;
  /** Carries a WireGuard datagram to an endpoint it owns. */
  egress(datagram: Uint8Array, to: Endpoint): void;
}

/** setTimeout's limit; a later deadline is simply re-checked when this fires. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export const systemClock: Clock = {
  now: () => performance.now(),
  wall: () => {
    const ms = Date.now();
    return { sec: Math.floor(ms / 1000), nsec: (ms % 1000) * 1_000_000 };
  },
};

export class WireGuardDevice implements DeviceControl {
  private readonly core: CorePort;
  private readonly tun: TunDevice;
  private readonly log: Logger;
  private udp: UdpSocket | null = null;
  private fwmark = 0;
  private timer: NodeJS.Timeout | null = null;
  private timerDeadline: number | null = null;
  private flushQueued = false;
  private toTun: Uint8Array[] = [];
  private closed = false;
  private extension: DatagramExtension | null = null;
  private readonly fatalHandlers: Array<(err: Error) => void> = [];
  private readonly endpoints = new EndpointRecords();
  // Sends of one input (a TUN batch, a UDP batch, a timer) are queued and go
  // out in one sendmmsg when it is handled; a send outside any input goes at once.
  private sendDepth = 0;
  private sendQueue: Uint8Array[] = [];
  private sendRecords = new Uint8Array(256 * UDP_RECORD_SIZE);
  private sendCount = 0;
  readonly ioStats: DeviceIoStats = { udpSendErrors: 0, udpSendDroppedFull: 0, udpSocketErrors: 0, udpUnreachableFamily: 0, tunWriteDropped: 0, coreExceptions: 0 };

  private constructor(opts: WireGuardDeviceOptions) {
    this.tun = opts.tun;
    this.log = opts.log;
    this.core = (opts.createCore ?? defaultCoreFactory)({
      clock: systemClock,
      randomBytes: new RandomPool().take,
      io: {
        send: (datagram, to) => this.send(datagram, to),
        deliver: (packet) => {
          this.toTun.push(packet);
        },
      },
      log: opts.log,
      mtu: opts.mtu,
    });
  }

  /** Binds a random UDP port (wg's listen_port changes it) and starts reading the TUN. */
  static async open(opts: WireGuardDeviceOptions): Promise<WireGuardDevice> {
    const device = new WireGuardDevice(opts);
    device.attach(openUdpSocket(0));
    opts.tun.onPackets((batch) => device.fromTun(batch));
    opts.tun.onError((err) => device.fatal(err));
    device.core.up();
    device.afterInput();
    device.log.verbose(`Device started, UDP port ${device.udp?.port ?? 0}`);
    return device;
  }

  /** Called once when the device cannot continue (the TUN device went away or failed). */
  onFatal(handler: (err: Error) => void): void {
    this.fatalHandlers.push(handler);
  }

  get stats(): CoreStats {
    return this.core.stats;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.clearTimer();
    this.core.down();
    const udp = this.udp;
    this.udp = null;
    udp?.socket.close();
    this.tun.close();
    // Drop counters are the only trace of malformed input; leave them in a verbose log.
    const counters = Object.entries({ ...this.core.stats, ...this.ioStats }).filter(([, n]) => n > 0);
    this.log.verbose(`Device closed${counters.length === 0 ? "" : `; counters: ${counters.map(([k, n]) => `${k}=${n}`).join(" ")}`}`);
  }

  // ---- Extension surface (coordination) -------------------------------------

  /** Routes non-WireGuard datagrams and virtual-endpoint sends to `ext`. */
  attachExtension(ext: DatagramExtension | null): void {
    this.extension = ext;
  }

  /** Sends a datagram from the WireGuard socket as is (STUN, probes, coordinator traffic). */
  sendDatagram(datagram: Uint8Array, to: Endpoint): void {
    this.sendUdp(datagram, to);
  }

  /**
   * Feeds a WireGuard datagram that arrived by another way (a relay) as if
   * from `from`. Ownership passes to the device: transport messages are
   * decrypted in place, so do not reuse `datagram` afterwards.
   */
  injectDatagram(datagram: Uint8Array, from: Endpoint): void {
    if (this.closed) return;
    this.sendDepth++;
    try {
      this.core.handleDatagram(datagram, from);
    } catch (err) {
      this.coreFault("datagram", err);
    }
    this.endSends();
    this.afterInput();
  }

  /**
   * Sends a keepalive to the peer now (a handshake first when there is no
   * session), so that after a network change the peer learns the new source
   * address at once instead of at the next timer.
   */
  nudgePeer(publicKey: Key): void {
    this.config(() => this.core.nudgePeer(publicKey));
  }

  // ---- DeviceControl --------------------------------------------------------

  snapshot(): DeviceSnapshot {
    return {
      privateKey: this.core.getPrivateKey(),
      listenPort: this.udp?.port ?? 0,
      fwmark: this.fwmark,
      peers: this.core.peers(),
    };
  }

  setPrivateKey(key: Key | null): void {
    this.config(() => this.core.setPrivateKey(key));
  }

  /**
   * The new socket is bound before the old one closes, so a taken port leaves
   * the device on its previous port (wireguard-go would be left unbound).
   */
  async setListenPort(port: number): Promise<void> {
    this.assertOpen();
    if (port !== 0 && port === this.udp?.port) {
      this.config(() => this.core.clearSourceCaches());
      return;
    }
    const udp = openUdpSocket(port);
    try {
      if (this.fwmark !== 0) setSocketMark(udp.socket.fd, this.fwmark);
    } catch (err) {
      udp.socket.close();
      throw new DeviceError(`cannot set fwmark on the new socket: ${String(err)}`, EADDRINUSE);
    }
    const old = this.udp;
    this.attach(udp);
    old?.socket.close();
    this.log.verbose(`UDP port now ${udp.port}`);
    this.config(() => this.core.clearSourceCaches());
  }

  /** Errors map to EADDRINUSE like wireguard-go's BindSetMark failure. */
  setFwmark(mark: number): void {
    this.assertOpen();
    if (this.udp !== null) {
      try {
        setSocketMark(this.udp.socket.fd, mark);
      } catch (err) {
        throw new DeviceError(`cannot set fwmark: ${err instanceof Error ? err.message : String(err)}`, EADDRINUSE);
      }
    }
    this.fwmark = mark;
    this.config(() => this.core.clearSourceCaches());
  }

  setMtu(mtu: number): void {
    this.config(() => this.core.setMtu(mtu));
  }

  removeAllPeers(): void {
    this.config(() => this.core.removeAllPeers());
  }
  hasPeer(publicKey: Key): boolean {
    return this.core.hasPeer(publicKey);
  }
  ensurePeer(publicKey: Key): boolean {
    return this.config(() => this.core.ensurePeer(publicKey));
  }
  removePeer(publicKey: Key): void {
    this.config(() => this.core.removePeer(publicKey));
  }
  setPeerPresharedKey(publicKey: Key, psk: Key | null): void {
    this.config(() => this.core.setPeerPresharedKey(publicKey, psk));
  }
  setPeerEndpoint(publicKey: Key, endpoint: Endpoint): void {
    this.config(() => this.core.setPeerEndpoint(publicKey, endpoint));
  }
  setPeerPersistentKeepalive(publicKey: Key, seconds: number): void {
    this.config(() => this.core.setPeerPersistentKeepalive(publicKey, seconds));
  }
  clearPeerAllowedIps(publicKey: Key): void {
    this.config(() => this.core.clearPeerAllowedIps(publicKey));
  }
  addPeerAllowedIp(publicKey: Key, prefix: Prefix): void {
    this.config(() => this.core.addPeerAllowedIp(publicKey, prefix));
  }
  removePeerAllowedIp(publicKey: Key, prefix: Prefix): void {
    this.config(() => this.core.removePeerAllowedIp(publicKey, prefix));
  }

  // ---- I/O ------------------------------------------------------------------

  private attach(udp: UdpSocket): void {
    this.udp = udp;
    const endpoints = this.endpoints;
    let words: Uint32Array | null = null;
    udp.socket.onBatch(
      (payloads, records, count) => {
        if (this.udp !== udp || this.closed) return; // a batch still queued on a replaced socket
        words ??= new Uint32Array(records.buffer, records.byteOffset, records.length >> 2);
        this.sendDepth++;
        let offset = 0;
        for (let i = 0; i < count; i++) {
          const r = i * UDP_RECORD_SIZE;
          const length = (records[r] ?? 0) | ((records[r + 1] ?? 0) << 8) | ((records[r + 2] ?? 0) << 16) | ((records[r + 3] ?? 0) << 24);
          const msg = payloads.subarray(offset, offset + length);
          offset += length;
          const from = endpoints.sourceAt(records, words, r);
          try {
            const b0 = msg[0] ?? 0;
            if (this.extension !== null && !(b0 >= 1 && b0 <= 4 && msg[1] === 0 && msg[2] === 0 && msg[3] === 0)) {
              this.extension.receive(msg, from);
            } else {
              this.core.handleDatagram(msg, from);
            }
          } catch (err) {
            this.coreFault("datagram", err);
          }
        }
        this.endSends();
        // Straight to the TUN: waiting for the flush in setImmediate would add
        // a loop phase to every packet's latency, and this already is a batch.
        // Whatever the kernel answered inside that write goes out in this turn too.
        if (this.flushTun()) this.tun.readNow?.();
        this.afterInput();
      },
      // Not fatal: a bound UDP socket reports transient errors here, and a
      // listen_port change replaces a socket that is really broken.
      (err) => {
        this.ioStats.udpSocketErrors++;
        this.log.error(`UDP socket error: ${err.message}`);
      },
    );
  }

  private fromTun(batch: Buffer[]): void {
    if (this.closed) return;
    this.sendDepth++;
    try {
      this.core.handleTunPackets(batch);
    } catch (err) {
      this.coreFault("TUN batch", err);
    }
    this.endSends();
    this.afterInput();
  }

  private send(datagram: Uint8Array, to: Endpoint): void {
    const ext = this.extension;
    if (ext !== null && ext.owns(to)) {
      ext.egress(datagram, to);
      return;
    }
    this.sendUdp(datagram, to);
  }

  private sendUdp(datagram: Uint8Array, to: Endpoint): void {
    const udp = this.udp;
    if (udp === null) {
      this.ioStats.udpSendErrors++;
      return;
    }
    if (to.family === 6 && !udp.dualStack) {
      this.ioStats.udpUnreachableFamily++;
      return;
    }
    const record = this.endpoints.recordFor(to);
    if (record === null) {
      this.ioStats.udpSendErrors++;
      return;
    }
    const n = this.sendCount;
    if ((n + 1) * UDP_RECORD_SIZE > this.sendRecords.length) {
      const grown = new Uint8Array(this.sendRecords.length * 2);
      grown.set(this.sendRecords);
      this.sendRecords = grown;
    }
    this.sendQueue[n] = datagram;
    this.sendRecords.set(record, n * UDP_RECORD_SIZE);
    this.sendCount = n + 1;
    if (this.sendDepth === 0) this.flushSends();
  }

  /** Closes one input's send batch; the outermost sends everything it queued. */
  private endSends(): void {
    if (--this.sendDepth === 0) this.flushSends();
  }

  private flushSends(): void {
    const count = this.sendCount;
    if (count === 0) return;
    const queue = this.sendQueue;
    this.sendCount = 0;
    this.sendQueue = [];
    const udp = this.udp;
    if (udp === null || udp.socket.closed) {
      this.ioStats.udpSendErrors += count;
      return;
    }
    const before = udp.socket.stats();
    udp.socket.send(queue.length === count ? queue : queue.slice(0, count), this.sendRecords, count);
    const after = udp.socket.stats();
    const failed = after.txErrors - before.txErrors;
    this.ioStats.udpSendDroppedFull += after.txDroppedFull - before.txDroppedFull;
    if (failed > 0) {
      this.ioStats.udpSendErrors += failed;
      this.log.verbose(`UDP send failed for ${failed} datagram(s) (errno ${after.txLastErrno})`);
    }
  }

  private config<T>(f: () => T): T {
    this.assertOpen();
    const result = f();
    this.afterInput();
    return result;
  }

  private assertOpen(): void {
    if (this.closed) throw new DeviceError("device is closed", EIO);
  }

  /**
   * Schedules one flush for everything that happened in this event-loop turn:
   * libuv hands a burst of datagrams to separate 'message' callbacks within one
   * poll phase, and setImmediate runs right after that phase, so the decrypted
   * packets reach the TUN in one write call and the timer is re-armed once.
   */
  private afterInput(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    setImmediate(this.flush);
  }

  private readonly flush = (): void => {
    this.flushQueued = false;
    this.flushTun();
    this.rearm();
  };

  /** Writes what decryption queued; true if something reached the TUN. */
  private flushTun(): boolean {
    if (this.toTun.length === 0 || this.closed) {
      this.toTun.length = 0;
      return false;
    }
    const packets = this.toTun;
    this.toTun = [];
    const written = this.tun.write(packets);
    this.ioStats.tunWriteDropped += packets.length - written;
    return written > 0;
  }

  private rearm(): void {
    if (this.closed) return;
    const deadline = this.core.nextDeadline();
    if (deadline === null) {
      this.clearTimer();
      return;
    }
    // A timer already due no later than needed is kept and re-checks when it
    // fires: under traffic the core pushes deadlines back on every packet, and
    // clearTimeout/setTimeout per packet would be pure overhead.
    if (this.timer !== null && this.timerDeadline !== null && this.timerDeadline <= deadline) return;
    this.clearTimer();
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, Math.ceil(deadline - performance.now())));
    this.timerDeadline = deadline;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.timerDeadline = null;
      if (this.closed) return;
      const due = this.core.nextDeadline();
      this.sendDepth++;
      try {
        if (due !== null && performance.now() >= due) this.core.tick();
      } catch (err) {
        this.coreFault("timer", err);
      }
      this.endSends();
      this.afterInput();
    }, delay);
  }

  private clearTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.timerDeadline = null;
  }

  /**
   * A throw out of the core is a bug, but one odd packet must not take the
   * interface down with it: count it, log a bounded number, carry on.
   */
  private coreFault(input: string, err: unknown): void {
    const n = ++this.ioStats.coreExceptions;
    if (n <= 10 || n % 1000 === 0) {
      this.log.error(`Internal error handling a ${input} (#${n}): ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    }
  }

  private fatal(err: Error): void {
    if (this.closed) return;
    this.log.error(`Device failure: ${err.message}`);
    for (const handler of this.fatalHandlers.splice(0)) handler(err);
  }
}
