// WireGuardDevice: the I/O edge around the sans-IO DeviceCore. It owns the
// TUN device, the one UDP socket and the one timer, and implements the
// configuration surface (DeviceControl) by delegating to the core.
//
// Timer discipline: after every input (datagram, TUN batch, tick, config
// call) the single setTimeout is re-armed to core.nextDeadline(); when the
// core has nothing pending the timer is cleared, so an idle device never wakes.
import { performance } from "node:perf_hooks";
import { randomBytes } from "node:crypto";
import { setSocketMark, type TunDevice } from "@plug/tun";
import { normalizeEndpoint, type Endpoint, type Prefix } from "../net/address.js";
import type { Logger } from "../log/logger.js";
import type { Clock, CoreStats } from "../core/types.js";
import { DeviceError, EADDRINUSE, EIO, type DeviceControl, type DeviceSnapshot, type Key } from "./control.js";
import type { CoreFactory, CorePort } from "./core-port.js";
import { defaultCoreFactory } from "./default-core.js";
import { openUdpSocket, sendAddress, type UdpSocket } from "./udp-socket.js";
import { socketFd } from "./socket-fd.js";

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
  readonly ioStats: DeviceIoStats = { udpSendErrors: 0, udpSocketErrors: 0, udpUnreachableFamily: 0, tunWriteDropped: 0, coreExceptions: 0 };

  private constructor(opts: WireGuardDeviceOptions) {
    this.tun = opts.tun;
    this.log = opts.log;
    this.core = (opts.createCore ?? defaultCoreFactory)({
      clock: systemClock,
      randomBytes: (n) => new Uint8Array(randomBytes(n)),
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
    device.attach(await openUdpSocket(0));
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
    if (udp !== null) await new Promise<void>((resolve) => udp.socket.close(() => resolve()));
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
    try {
      this.core.handleDatagram(datagram, from);
    } catch (err) {
      this.coreFault("datagram", err);
    }
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
    const udp = await openUdpSocket(port);
    if (this.closed) {
      udp.socket.close();
      return;
    }
    try {
      if (this.fwmark !== 0) setSocketMark(socketFd(udp.socket), this.fwmark);
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
        setSocketMark(socketFd(this.udp.socket), mark);
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
    // Nearly every datagram comes from the same few peers: reuse the parsed
    // Endpoint instead of re-running the address regexes per packet.
    let lastAddress = "";
    let lastPort = -1;
    let lastEndpoint: Endpoint | null = null;
    udp.socket.on("message", (msg, rinfo) => {
      if (this.udp !== udp) return; // a datagram still queued on a replaced socket
      if (lastEndpoint === null || rinfo.port !== lastPort || rinfo.address !== lastAddress) {
        lastAddress = rinfo.address;
        lastPort = rinfo.port;
        lastEndpoint = normalizeEndpoint(rinfo.address, rinfo.port);
      }
      try {
        const b0 = msg[0] ?? 0;
        if (this.extension !== null && !(b0 >= 1 && b0 <= 4 && msg[1] === 0 && msg[2] === 0 && msg[3] === 0)) {
          this.extension.receive(msg, lastEndpoint);
        } else {
          this.core.handleDatagram(msg, lastEndpoint);
        }
      } catch (err) {
        this.coreFault("datagram", err);
      }
      this.afterInput();
    });
    // Not fatal: a bound UDP socket reports transient errors here, and a
    // listen_port change replaces a socket that is really broken.
    udp.socket.on("error", (err) => {
      this.ioStats.udpSocketErrors++;
      this.log.error(`UDP socket error: ${err.message}`);
    });
  }

  private fromTun(batch: Buffer[]): void {
    if (this.closed) return;
    try {
      this.core.handleTunPackets(batch);
    } catch (err) {
      this.coreFault("TUN batch", err);
    }
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
    const address = sendAddress(udp, to);
    if (address === null) {
      this.ioStats.udpUnreachableFamily++;
      return;
    }
    udp.socket.send(datagram, to.port, address, this.onSent);
  }

  /** One shared callback: a closure per datagram shows up in the send-path profile. */
  private readonly onSent = (err: Error | null): void => {
    if (err === null || err === undefined) return;
    this.ioStats.udpSendErrors++;
    this.log.verbose(`UDP send failed: ${err.message}`);
  };

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
    if (this.toTun.length > 0) {
      const packets = this.toTun;
      this.toTun = [];
      if (!this.closed) {
        const written = this.tun.write(packets);
        this.ioStats.tunWriteDropped += packets.length - written;
      }
    }
    this.rearm();
  };

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
      try {
        if (due !== null && performance.now() >= due) this.core.tick();
      } catch (err) {
        this.coreFault("timer", err);
      }
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
