// The sans-IO heart of coordd: datagrams (or WebSocket messages) and the
// time in, datagrams out. It owns the link sessions, the rid table, the
// relay channels and the limits; the UDP and HTTP edges only move bytes.
// Checks run cheapest first so a flood costs as little as possible: size,
// rate limit, header, cookie (one HMAC), and only then X25519 and AEAD.
import type { KeyObject } from "node:crypto";
import {
  decodeRegisterOuter,
  decodeRelayFrame,
  encodeCookieReply,
  encodePush,
  encodeRegisterAck,
  encodeVersionMessage,
  isSupportedVersion,
  MAX_REGISTER_LENGTH,
  MessageType,
  openRegister,
  PeerTransport,
  PushFlag,
  RegisterFlag,
  RegisterStatus,
  serverLinkKeys,
  timingSafeEqualBytes,
  VERSION_MESSAGE_LENGTH,
  x25519PrivateKeyObject,
  type LinkKeys,
  type RegisterBody,
} from "@plug/protocol";
import { CookieJar } from "./cookie-jar.js";
import { ResumableScan } from "./resumable-scan.js";
import { TokenBucket, SourceLimiter } from "./token-bucket.js";
import { DropReason, Metrics } from "./metrics.js";
import type { Limits } from "./limits.js";
import type { Send, Source } from "./types.js";

interface Session {
  readonly keys: LinkKeys;
  lastCounter: bigint;
  serverCounter: bigint;
  lastSeenMs: number;
  readonly rids: Set<string>;
}

interface Slot {
  readonly token: string;
  session: Session;
  source: Source;
  sealed: Uint8Array;
  expiresMs: number;
}

interface RidEntry {
  readonly rid: Uint8Array;
  readonly key: string;
  readonly slots: Slot[];
  channel?: Uint8Array;
  channelKey?: string;
  bucket?: TokenBucket;
}

export interface CoreOptions {
  readonly serverPrivate: Uint8Array;
  readonly serverPublic: Uint8Array;
  readonly limits: Limits;
  readonly random: (n: number) => Uint8Array;
  readonly nowMs: number;
}

/**
 * Whether two Sources are the same path, without comparing UDP ids: a fresh
 * datagram's id is a concatenated (rope) string, and comparing it flattens
 * it, which was most of the relay's own cost per datagram. Same answer as
 * comparing ids (a UDP id is exactly local socket, address and port).
 */
function samePath(x: Source, y: Source): boolean {
  if (x.transport !== "udp" || y.transport !== "udp") return x.id === y.id;
  return x.local === y.local && x.endpoint.port === y.endpoint.port && x.endpoint.address === y.endpoint.address;
}

/** Bytes as a map key: one char per byte (fromCharCode is about twice as fast as a Buffer view's latin1 decode at 8-32 bytes). */
const bin = (b: Uint8Array): string => String.fromCharCode.apply(null, b as unknown as number[]);

export class CoordCore {
  readonly metrics = new Metrics();
  private readonly serverKey: KeyObject;
  private readonly serverPublic: Uint8Array;
  private readonly limits: Limits;
  private readonly random: (n: number) => Uint8Array;
  private readonly limiter: SourceLimiter;
  private readonly relayTotal: TokenBucket;
  private readonly cookies: CookieJar;
  private readonly sessions = new Map<string, Session>();
  private readonly rids = new Map<string, RidEntry>();
  private readonly channels = new Map<string, RidEntry>();
  private readonly ridsPerAddress = new Map<string, number>();
  /** Rids held through each WebSocket connection, so a closing connection costs its own slots, not a table scan. */
  private readonly ridsPerConnection = new Map<string, Set<string>>();
  private readonly ridScan = new ResumableScan(this.rids);
  private readonly sessionScan = new ResumableScan(this.sessions);

  constructor(o: CoreOptions) {
    this.serverKey = x25519PrivateKeyObject(o.serverPrivate);
    this.serverPublic = o.serverPublic;
    this.limits = o.limits;
    this.random = o.random;
    this.limiter = new SourceLimiter(o.limits.ratePerSecond, o.limits.rateBurst, o.limits.maxTrackedSources);
    this.relayTotal = new TokenBucket(o.limits.relayTotalBytesPerSecond, 2 * o.limits.relayTotalBytesPerSecond, o.nowMs);
    this.cookies = new CookieJar(o.random, o.limits.cookieRotationSeconds * 1000, o.limits.maxTrackedSources, o.nowMs);
  }

  get registeredRids(): number {
    return this.rids.size;
  }

  get pairedRids(): number {
    let n = 0;
    for (const e of this.rids.values()) if (e.slots.length === 2) n++;
    return n;
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  /** Per-source rate limit for everything except relay frames (the UDP edge also calls it for STUN). */
  admit(from: Source, nowMs: number): boolean {
    const verdict = this.limiter.allow(from.endpoint.address, nowMs);
    if (verdict === "ok") return true;
    if (verdict === "newly-limited") this.metrics.rateLimitedSources++;
    this.metrics.drop(DropReason.RateLimited);
    return false;
  }

  /** One plug message from a client. Returns what to send (possibly to other clients). */
  handle(d: Uint8Array, from: Source, nowMs: number): Send[] {
    if (d.length > this.limits.maxMessageBytes) {
      this.metrics.drop(DropReason.Oversize);
      return [];
    }
    const type = d[0];
    if (type === MessageType.Relay) return this.relay(d, from, nowMs);
    if (!this.admit(from, nowMs)) return [];
    if (type === undefined || type < 0xe0 || type > 0xef || d.length < 4) {
      this.metrics.drop(DropReason.UnknownType);
      return [];
    }
    if (!isSupportedVersion(d[1] ?? 0)) {
      this.metrics.drop(DropReason.Version);
      return d.length >= VERSION_MESSAGE_LENGTH ? [{ to: from, bytes: encodeVersionMessage() }] : [];
    }
    if (type === MessageType.Register) return this.register(d, from, nowMs);
    this.metrics.drop(DropReason.UnknownType);
    return [];
  }

  private register(d: Uint8Array, from: Source, nowMs: number): Send[] {
    let outer;
    try {
      outer = decodeRegisterOuter(d);
    } catch {
      this.metrics.drop(d.length > MAX_REGISTER_LENGTH ? DropReason.Oversize : DropReason.Malformed);
      return [];
    }
    this.cookies.rotate(nowMs);
    if (!this.cookies.matches(from, outer.cookie)) {
      this.metrics.cookieReplies++;
      return [{ to: from, bytes: encodeCookieReply({ echo: outer.counter, cookie: this.cookies.issue(from) }) }];
    }
    const ek = bin(outer.ephemeralPublic);
    let session = this.sessions.get(ek);
    const isNew = session === undefined;
    if (session !== undefined && outer.counter <= session.lastCounter) {
      this.metrics.drop(DropReason.Replay);
      return [];
    }
    if (session === undefined) {
      if (this.sessions.size >= this.limits.maxSessions) {
        this.metrics.drop(DropReason.SessionLimit);
        return [];
      }
      let keys: LinkKeys;
      try {
        keys = serverLinkKeys(this.serverKey, this.serverPublic, outer.ephemeralPublic);
      } catch {
        this.metrics.drop(DropReason.AuthFailed);
        return [];
      }
      session = { keys, lastCounter: -1n, serverCounter: 0n, lastSeenMs: nowMs, rids: new Set() };
    }
    const body = openRegister(session.keys, outer);
    if (body === undefined) {
      this.metrics.drop(DropReason.AuthFailed);
      return [];
    }
    if (isNew) {
      this.sessions.set(ek, session);
      this.metrics.sessionsCreated++;
    }
    session.lastCounter = outer.counter;
    session.lastSeenMs = nowMs;
    return this.apply(session, body, outer.counter, from, nowMs);
  }

  private ack(session: Session, echo: bigint, status: RegisterStatus, rid: Uint8Array, from: Source): Send {
    const lifetimeSeconds = status === RegisterStatus.Ok ? this.limits.registrationLifetimeSeconds : 0;
    return { to: from, bytes: encodeRegisterAck(session.keys, session.serverCounter++, { echo, status, rid, lifetimeSeconds, observed: from.endpoint }) };
  }

  // body.rid and body.sealed are views into the plaintext openRegister allocated for this one
  // message, which nothing else holds or reuses: they are kept as they are, not copied. One
  // ArrayBuffer per stored registration instead of three is less for every GC to trace and sweep.
  private apply(session: Session, body: RegisterBody, echo: bigint, from: Source, nowMs: number): Send[] {
    const ridKey = bin(body.rid);
    const token = bin(body.slot);
    let entry = this.rids.get(ridKey);
    let slot = entry?.slots.find((s) => s.token === token);
    if ((body.flags & RegisterFlag.Withdraw) !== 0) {
      const out: Send[] = [];
      if (entry !== undefined && slot !== undefined) out.push(...this.removeSlot(entry, slot));
      out.unshift(this.ack(session, echo, RegisterStatus.Withdrawn, body.rid, from));
      return out;
    }
    let changed: boolean;
    if (slot === undefined || entry === undefined) {
      if (entry !== undefined && entry.slots.length >= 2) {
        this.metrics.registrationsRefused++;
        return [this.ack(session, echo, RegisterStatus.RidFull, body.rid, from)];
      }
      const perAddress = this.ridsPerAddress.get(from.endpoint.address) ?? 0;
      if (session.rids.size >= this.limits.maxRidsPerSession || perAddress >= this.limits.maxRidsPerAddress) {
        this.metrics.registrationsRefused++;
        return [this.ack(session, echo, RegisterStatus.TooManyRids, body.rid, from)];
      }
      if (entry === undefined) {
        entry = { rid: body.rid, key: ridKey, slots: [] };
        this.rids.set(ridKey, entry);
      }
      slot = { token, session, source: from, sealed: body.sealed, expiresMs: 0 };
      entry.slots.push(slot);
      session.rids.add(ridKey);
      this.trackConnection(from, ridKey);
      this.ridsPerAddress.set(from.endpoint.address, perAddress + 1);
      changed = true;
    } else {
      changed = slot.source.id !== from.id || !timingSafeEqualBytes(slot.sealed, body.sealed);
      if (slot.session !== session) {
        slot.session.rids.delete(ridKey);
        session.rids.add(ridKey);
        slot.session = session;
      }
      if (slot.source.endpoint.address !== from.endpoint.address) {
        this.decAddress(slot.source.endpoint.address);
        this.ridsPerAddress.set(from.endpoint.address, (this.ridsPerAddress.get(from.endpoint.address) ?? 0) + 1);
      }
      if (changed) slot.sealed = body.sealed;
      // The same path keeps its Source object: replacing it on every refresh made each refresh
      // leave a surviving object behind for the young-generation GC to copy (longer pauses).
      if (slot.source.id !== from.id) {
        this.untrackConnection(slot.source, ridKey);
        this.trackConnection(from, ridKey);
        slot.source = from;
      }
    }
    slot.expiresMs = nowMs + this.limits.registrationLifetimeSeconds * 1000;
    this.metrics.registrations++;
    const out: Send[] = [this.ack(session, echo, RegisterStatus.Ok, body.rid, from)];
    const [a, b] = entry.slots;
    if (changed && a !== undefined && b !== undefined) {
      if (entry.channel === undefined) {
        entry.channel = this.random(8);
        entry.channelKey = bin(entry.channel);
        entry.bucket = new TokenBucket(this.limits.relayPairBytesPerSecond, 2 * this.limits.relayPairBytesPerSecond, nowMs);
        this.channels.set(entry.channelKey, entry);
        this.metrics.ridsPaired++;
      }
      out.push(this.push(entry, b, a, 0), this.push(entry, a, b, 0));
    }
    return out;
  }

  /** PUSH to `to` telling it about `about`. */
  private push(entry: RidEntry, to: Slot, about: Slot, flags: number): Send {
    this.metrics.pushes++;
    const gone = (flags & PushFlag.PeerGone) !== 0;
    return {
      to: to.source,
      bytes: encodePush(to.session.keys, to.session.serverCounter++, {
        rid: entry.rid,
        flags,
        channel: entry.channel ?? new Uint8Array(8),
        peerObserved: about.source.endpoint,
        peerTransport: about.source.transport === "ws" ? PeerTransport.WebSocket : PeerTransport.Udp,
        sealed: gone ? new Uint8Array(0) : about.sealed,
      }),
    };
  }

  private trackConnection(src: Source, ridKey: string): void {
    if (src.transport !== "ws") return;
    let set = this.ridsPerConnection.get(src.id);
    if (set === undefined) this.ridsPerConnection.set(src.id, (set = new Set()));
    set.add(ridKey);
  }

  private untrackConnection(src: Source, ridKey: string): void {
    if (src.transport !== "ws") return;
    const set = this.ridsPerConnection.get(src.id);
    set?.delete(ridKey);
    if (set?.size === 0) this.ridsPerConnection.delete(src.id);
  }

  private decAddress(address: string): void {
    const n = (this.ridsPerAddress.get(address) ?? 1) - 1;
    if (n <= 0) this.ridsPerAddress.delete(address);
    else this.ridsPerAddress.set(address, n);
  }

  private removeSlot(entry: RidEntry, slot: Slot, notify = true): Send[] {
    const i = entry.slots.indexOf(slot);
    if (i < 0) return [];
    entry.slots.splice(i, 1);
    slot.session.rids.delete(entry.key);
    this.decAddress(slot.source.endpoint.address);
    this.untrackConnection(slot.source, entry.key);
    const other = entry.slots[0];
    if (other === undefined) {
      this.rids.delete(entry.key);
      if (entry.channelKey !== undefined) this.channels.delete(entry.channelKey);
      return [];
    }
    return notify ? [this.push(entry, other, slot, PushFlag.PeerGone)] : [];
  }

  private relay(d: Uint8Array, from: Source, nowMs: number): Send[] {
    let frame;
    try {
      frame = decodeRelayFrame(d);
    } catch {
      this.metrics.drop(DropReason.Malformed);
      return [];
    }
    const c = frame.channel;
    // Eight arguments, not bin(): this runs per relayed datagram.
    const entry = this.channels.get(String.fromCharCode(c[0] ?? 0, c[1] ?? 0, c[2] ?? 0, c[3] ?? 0, c[4] ?? 0, c[5] ?? 0, c[6] ?? 0, c[7] ?? 0));
    if (entry === undefined) {
      this.metrics.drop(DropReason.UnknownChannel);
      return [];
    }
    const a = entry.slots[0];
    const b = entry.slots[1];
    const dst = a !== undefined && samePath(a.source, from) ? b : b !== undefined && samePath(b.source, from) ? a : null;
    if (dst === null) {
      this.metrics.drop(DropReason.NotChannelMember);
      return [];
    }
    if (dst === undefined) {
      this.metrics.drop(DropReason.PeerUnreachable);
      return [];
    }
    if (entry.bucket !== undefined && !entry.bucket.take(d.length, nowMs)) {
      this.metrics.drop(DropReason.RelayPairCap);
      return [];
    }
    if (!this.relayTotal.take(d.length, nowMs)) {
      this.metrics.drop(DropReason.RelayTotalCap);
      return [];
    }
    this.metrics.relayPackets++;
    this.metrics.relayBytes += d.length;
    return [{ to: dst.source, bytes: d }];
  }

  /** A transport path went away (a WebSocket closed): its slots go at once and partners are told. */
  disconnect(sourceId: string): Send[] {
    const out: Send[] = [];
    for (const ridKey of [...(this.ridsPerConnection.get(sourceId) ?? [])]) {
      const entry = this.rids.get(ridKey);
      for (const slot of [...(entry?.slots ?? [])]) if (entry !== undefined && slot.source.id === sourceId) out.push(...this.removeSlot(entry, slot));
    }
    this.ridsPerConnection.delete(sourceId);
    return out;
  }

  /**
   * Periodic housekeeping: expire registrations, idle sessions and limiter
   * state. `fraction` of each table is looked at, resuming where the last
   * call stopped (1: everything now). A whole sweep at 100,000 registrations
   * stalls the event loop for tens of milliseconds, which every PUSH queued
   * behind it waits for; coordd calls this often with a small fraction.
   */
  sweep(nowMs: number, fraction = 1): Send[] {
    const out: Send[] = [];
    const budget = (size: number): number => (fraction >= 1 ? Infinity : Math.max(1000, Math.ceil(size * fraction)));
    this.ridScan.step(budget(this.rids.size), (entry) => {
      const [a, b] = entry.slots;
      const aGone = a !== undefined && a.expiresMs <= nowMs;
      // When both sides expire together nobody is left to tell.
      if (b !== undefined && b.expiresMs <= nowMs) out.push(...this.removeSlot(entry, b, !aGone));
      if (a !== undefined && aGone) out.push(...this.removeSlot(entry, a));
    });
    const idleMs = this.limits.sessionIdleSeconds * 1000;
    this.sessionScan.step(budget(this.sessions.size), (s, k) => {
      if (s.rids.size === 0 && nowMs - s.lastSeenMs > idleMs) this.sessions.delete(k);
    });
    this.limiter.sweep(nowMs, 60_000, budget(this.limiter.tracked));
    this.cookies.rotate(nowMs);
    return out;
  }
}
