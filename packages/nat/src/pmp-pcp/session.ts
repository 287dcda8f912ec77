// One port mapping kept by PCP or NAT-PMP, as a sans-IO state machine. The
// caller sends what it is told to the gateway's port 5351, feeds back every
// datagram from there, and calls onTimer at `deadline`.
//
// PCP goes first; an UNSUPP_VERSION answer (in either protocol's format) or
// silence past `pcpGiveUpMs` falls back to NAT-PMP (RFC 6887 §9). Mappings
// are renewed at half their lifetime; an epoch that reveals a gateway reboot
// re-creates the mapping at once.
import type { RandomSource } from "../time/clock.js";
import { natPmpSchedule, pcpSchedule, Retransmitter, type RetransmitSchedule } from "../time/retransmit.js";
import type { MappingRequest, PortMapping } from "../mapping/types.js";
import { EpochTracker } from "./epoch.js";
import { PortMappingError, PortMappingTimeoutError } from "./errors.js";
import {
  decodeNatPmpResponse,
  encodeExternalAddressRequest,
  encodeMapRequest,
  NatPmpOpcode,
  NatPmpResult,
  natPmpResultNames,
} from "./natpmp-codec.js";
import { decodePcpMapResponse, decodePcpResponseHeader, encodePcpMapRequest, IANA_PROTOCOL, PcpOpcode, PcpResult, pcpResultNames } from "./pcp-codec.js";

export type PmpPcpProtocol = "pcp" | "nat-pmp";

export interface PmpPcpSessionOptions {
  readonly request: MappingRequest;
  /** Our address on the path to the gateway (PCP's client address field). */
  readonly clientAddress: string;
  readonly random: RandomSource;
  /** Order of preference; default PCP then NAT-PMP. */
  readonly protocols?: readonly PmpPcpProtocol[];
  /** PCP may retry forever (MRC 0); give up after this and fall back. Default 10 s. */
  readonly pcpGiveUpMs?: number;
  /** NAT-PMP tries (RFC 6886: 9, about 2 minutes). */
  readonly natPmpTries?: number;
}

export type SessionOutput =
  | { readonly kind: "send"; readonly bytes: Uint8Array }
  | { readonly kind: "mapped"; readonly mapping: PortMapping }
  | { readonly kind: "lost"; readonly reason: string }
  | { readonly kind: "failed"; readonly error: PortMappingError }
  | { readonly kind: "deleted" };

type Waiting = "pcp-map" | "pmp-external" | "pmp-map" | "delete";

interface Outstanding {
  readonly what: Waiting;
  readonly method: PmpPcpProtocol;
  readonly bytes: Uint8Array;
  readonly retransmit: Retransmitter;
  readonly renewal: boolean;
}

export interface PmpPcpSessionStats {
  /** Datagrams that did not parse as a response of the protocol we spoke. */
  malformed: number;
  /** Well-formed responses to something we did not ask (wrong nonce, port, opcode). */
  unexpected: number;
  /** Gateway state losses detected through the epoch. */
  resets: number;
}

export class PmpPcpSession {
  private readonly protocols: readonly PmpPcpProtocol[];
  private readonly nonce: Uint8Array;
  private readonly epoch = new EpochTracker();
  private outstanding: Outstanding | undefined;
  private mapping: PortMapping | undefined;
  private renewAt: number | undefined;
  private pmpExternal: string | undefined;
  private stopped = false;
  readonly stats: PmpPcpSessionStats = { malformed: 0, unexpected: 0, resets: 0 };

  constructor(private readonly options: PmpPcpSessionOptions) {
    this.protocols = options.protocols ?? ["pcp", "nat-pmp"];
    if (this.protocols.length === 0) throw new RangeError("no protocol to try");
    this.nonce = options.random(12);
  }

  get current(): PortMapping | undefined {
    return this.mapping;
  }

  /** When onTimer must next be called; undefined when nothing is pending. */
  get deadline(): number | undefined {
    return this.outstanding?.retransmit.deadline ?? this.renewAt;
  }

  start(nowMs: number): SessionOutput[] {
    return this.create(nowMs, this.protocols[0] ?? "pcp");
  }

  renewNow(nowMs: number): SessionOutput[] {
    if (this.stopped || this.mapping === undefined || this.outstanding !== undefined) return [];
    return this.renew(nowMs);
  }

  /** Deletes the mapping (lifetime 0); ends with a "deleted" output. */
  stop(nowMs: number): SessionOutput[] {
    if (this.stopped) return [];
    this.stopped = true;
    this.renewAt = undefined;
    const method = this.mapping?.method === "nat-pmp" ? "nat-pmp" : this.mapping?.method === "pcp" ? "pcp" : this.outstanding?.method;
    if (method === undefined || (this.mapping === undefined && this.outstanding?.what === "pmp-external")) {
      this.outstanding = undefined;
      return [{ kind: "deleted" }];
    }
    const bytes = method === "pcp" ? this.pcpRequest(0, 0) : this.pmpMapRequest(0, 0);
    return this.send(nowMs, { what: "delete", method, bytes, renewal: false }, natPmpSchedule(250, 3));
  }

  onTimer(nowMs: number): SessionOutput[] {
    const o = this.outstanding;
    if (o === undefined) {
      if (this.renewAt !== undefined && nowMs >= this.renewAt && !this.stopped) return this.renew(nowMs);
      return [];
    }
    const r = o.retransmit.onTimer(nowMs);
    if (r === "wait") return [];
    if (r === "resend") return [{ kind: "send", bytes: o.bytes }];
    this.outstanding = undefined;
    if (o.what === "delete") return [{ kind: "deleted" }];
    const next = this.protocols[this.protocols.indexOf(o.method) + 1];
    if (o.renewal) {
      // The gateway stopped answering: treat the mapping as gone and start over.
      this.mapping = undefined;
      return [{ kind: "lost", reason: `${o.method} renewal got no answer` }, ...this.create(nowMs, this.protocols[0] ?? o.method)];
    }
    if (o.method === "pcp" && next !== undefined) return this.create(nowMs, next);
    return [{ kind: "failed", error: new PortMappingTimeoutError(o.method, `no ${o.method} answer from the gateway`) }];
  }

  receive(packet: Uint8Array, nowMs: number): SessionOutput[] {
    const o = this.outstanding;
    if (o === undefined) return this.unsolicited(packet, nowMs);
    return o.method === "pcp" ? this.receivePcp(o, packet, nowMs) : this.receivePmp(o, packet, nowMs);
  }

  /**
   * A multicast announcement (PCP ANNOUNCE or NAT-PMP address notice to
   * 224.0.0.1:5350): only its epoch matters, whatever request is in flight.
   */
  announcement(packet: Uint8Array, nowMs: number): SessionOutput[] {
    if (this.outstanding !== undefined && this.mapping === undefined) return [];
    return this.unsolicited(packet, nowMs);
  }

  private receivePcp(o: Outstanding, packet: Uint8Array, nowMs: number): SessionOutput[] {
    if (packet[0] === 0) {
      // A NAT-PMP-only gateway answers our version 2 with its own format.
      const pmp = decodeNatPmpResponse(packet);
      if (pmp?.result === NatPmpResult.UnsupportedVersion && o.what !== "delete") return this.fallBack(o, nowMs);
      this.stats.malformed++;
      return [];
    }
    const header = decodePcpResponseHeader(packet);
    if (header?.result === PcpResult.UnsupportedVersion && o.what !== "delete") return this.fallBack(o, nowMs);
    const r = decodePcpMapResponse(packet);
    if (r === undefined) {
      this.stats.malformed++;
      return [];
    }
    // The nonce is what proves the answer is for this mapping (RFC 6887 §11.3).
    if (!equalBytes(r.nonce, this.nonce) || r.protocol !== IANA_PROTOCOL[this.options.request.protocol] || r.internalPort !== this.options.request.internalPort) {
      this.stats.unexpected++;
      return [];
    }
    this.outstanding = undefined;
    const lostState = !this.epoch.observe(r.epoch, nowMs);
    if (o.what === "delete") return [{ kind: "deleted" }];
    if (r.result !== PcpResult.Success) {
      const name = pcpResultNames[r.result] ?? `RESULT_${r.result}`;
      return [{ kind: "failed", error: new PortMappingError("pcp", r.result, name, `PCP MAP refused: ${name}`, r.lifetimeSeconds) }];
    }
    if (r.externalPort === 0 || r.lifetimeSeconds === 0 || isUnspecified(r.externalAddress)) {
      return [{ kind: "failed", error: new PortMappingError("pcp", undefined, "BAD_EXTERNAL", `PCP granted an unusable mapping ${r.externalAddress}:${r.externalPort}`) }];
    }
    return this.granted("pcp", r.externalAddress, r.externalPort, r.lifetimeSeconds, nowMs, lostState && o.renewal);
  }

  private receivePmp(o: Outstanding, packet: Uint8Array, nowMs: number): SessionOutput[] {
    const r = decodeNatPmpResponse(packet);
    if (r === undefined) {
      this.stats.malformed++;
      return [];
    }
    const wantOpcode = o.what === "pmp-external" ? NatPmpOpcode.ExternalAddress : this.pmpOpcode();
    if (r.kind === "short" ? r.opcode !== wantOpcode : r.kind === "map" ? r.opcode !== wantOpcode || r.internalPort !== this.options.request.internalPort : o.what !== "pmp-external") {
      this.stats.unexpected++;
      return [];
    }
    this.outstanding = undefined;
    const lostState = !this.epoch.observe(r.epoch, nowMs);
    if (o.what === "delete") return [{ kind: "deleted" }];
    if (r.result !== NatPmpResult.Success) {
      const name = natPmpResultNames[r.result] ?? `RESULT_${r.result}`;
      return [{ kind: "failed", error: new PortMappingError("nat-pmp", r.result, name, `NAT-PMP request refused: ${name}`) }];
    }
    if (r.kind === "external-address") {
      // 0.0.0.0 means the gateway has no external address yet (RFC 6886 §3.2).
      if (isUnspecified(r.externalAddress)) {
        return [{ kind: "failed", error: new PortMappingError("nat-pmp", undefined, "NO_EXTERNAL_ADDRESS", "NAT-PMP gateway has no external address") }];
      }
      this.pmpExternal = r.externalAddress;
      const bytes = this.pmpMapRequest(this.options.request.lifetimeSeconds, this.options.request.suggestedExternalPort ?? 0);
      return this.send(nowMs, { what: "pmp-map", method: "nat-pmp", bytes, renewal: o.renewal }, this.pmpSchedule());
    }
    if (r.kind !== "map" || r.externalPort === 0 || r.lifetimeSeconds === 0 || this.pmpExternal === undefined) {
      this.stats.unexpected++;
      return [];
    }
    if (lostState && o.renewal) {
      // The external address may have changed with the reboot: ask again.
      this.stats.resets++;
      this.mapping = undefined;
      return [{ kind: "lost", reason: "gateway lost its state (NAT-PMP epoch)" }, ...this.create(nowMs, "nat-pmp")];
    }
    return this.granted("nat-pmp", this.pmpExternal, r.externalPort, r.lifetimeSeconds, nowMs, false);
  }

  private granted(method: "pcp" | "nat-pmp", externalAddress: string, externalPort: number, lifetimeSeconds: number, nowMs: number, lostState: boolean): SessionOutput[] {
    const out: SessionOutput[] = [];
    if (lostState) {
      // Our renewal re-created the mapping on a rebooted gateway; say so, as ports may have moved.
      this.stats.resets++;
      out.push({ kind: "lost", reason: `gateway lost its state (${method} epoch)` });
    }
    this.mapping = { method, protocol: this.options.request.protocol, internalPort: this.options.request.internalPort, externalAddress, externalPort, lifetimeSeconds, obtainedAtMs: nowMs };
    this.renewAt = nowMs + (lifetimeSeconds * 1000) / 2;
    out.push({ kind: "mapped", mapping: this.mapping });
    return out;
  }

  /** Announcements (PCP ANNOUNCE, NAT-PMP address changes) carry the epoch too. */
  private unsolicited(packet: Uint8Array, nowMs: number): SessionOutput[] {
    let epoch: number | undefined;
    if (packet[0] === 0) {
      const r = decodeNatPmpResponse(packet);
      if (r?.kind === "external-address") epoch = r.epoch;
    } else {
      const h = decodePcpResponseHeader(packet);
      if (h?.opcode === PcpOpcode.Announce) epoch = h.epoch;
    }
    if (epoch === undefined) {
      this.stats.unexpected++;
      return [];
    }
    if (this.epoch.observe(epoch, nowMs) || this.mapping === undefined || this.stopped) return [];
    this.stats.resets++;
    this.mapping = undefined;
    this.outstanding = undefined;
    return [{ kind: "lost", reason: "gateway announced lost state" }, ...this.create(nowMs, this.protocols[0] ?? "pcp")];
  }

  private fallBack(o: Outstanding, nowMs: number): SessionOutput[] {
    this.outstanding = undefined;
    const next = this.protocols[this.protocols.indexOf("pcp") + 1];
    if (next === undefined) {
      return [{ kind: "failed", error: new PortMappingError("pcp", PcpResult.UnsupportedVersion, "UNSUPP_VERSION", "gateway does not speak PCP") }];
    }
    return this.create(nowMs, next, o.renewal);
  }

  private create(nowMs: number, method: PmpPcpProtocol, renewal = false): SessionOutput[] {
    if (method === "pcp") {
      const bytes = this.pcpRequest(this.options.request.lifetimeSeconds, this.options.request.suggestedExternalPort ?? 0);
      return this.send(nowMs, { what: "pcp-map", method, bytes, renewal }, pcpSchedule(this.options.random, this.options.pcpGiveUpMs ?? 10_000));
    }
    return this.send(nowMs, { what: "pmp-external", method, bytes: encodeExternalAddressRequest(), renewal }, this.pmpSchedule());
  }

  private renew(nowMs: number): SessionOutput[] {
    const m = this.mapping;
    if (m === undefined) return this.create(nowMs, this.protocols[0] ?? "pcp");
    this.renewAt = undefined;
    if (m.method === "pcp") {
      const bytes = this.pcpRequest(this.options.request.lifetimeSeconds, m.externalPort, m.externalAddress);
      return this.send(nowMs, { what: "pcp-map", method: "pcp", bytes, renewal: true }, pcpSchedule(this.options.random, this.options.pcpGiveUpMs ?? 10_000));
    }
    const bytes = this.pmpMapRequest(this.options.request.lifetimeSeconds, m.externalPort);
    return this.send(nowMs, { what: "pmp-map", method: "nat-pmp", bytes, renewal: true }, this.pmpSchedule());
  }

  private send(nowMs: number, o: Omit<Outstanding, "retransmit">, schedule: RetransmitSchedule): SessionOutput[] {
    this.outstanding = { ...o, retransmit: new Retransmitter(schedule, nowMs) };
    return [{ kind: "send", bytes: o.bytes }];
  }

  private pmpSchedule(): RetransmitSchedule {
    return natPmpSchedule(250, this.options.natPmpTries ?? 9);
  }

  private pmpOpcode(): typeof NatPmpOpcode.MapUdp | typeof NatPmpOpcode.MapTcp {
    return this.options.request.protocol === "udp" ? NatPmpOpcode.MapUdp : NatPmpOpcode.MapTcp;
  }

  private pmpMapRequest(lifetimeSeconds: number, suggestedExternalPort: number): Uint8Array {
    return encodeMapRequest({ opcode: this.pmpOpcode(), internalPort: this.options.request.internalPort, suggestedExternalPort, lifetimeSeconds });
  }

  private pcpRequest(lifetimeSeconds: number, suggestedExternalPort: number, suggestedExternalAddress?: string): Uint8Array {
    return encodePcpMapRequest({
      lifetimeSeconds,
      clientAddress: this.options.clientAddress,
      nonce: this.nonce,
      protocol: IANA_PROTOCOL[this.options.request.protocol],
      internalPort: this.options.request.internalPort,
      suggestedExternalPort,
      ...(suggestedExternalAddress !== undefined ? { suggestedExternalAddress } : {}),
    });
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function isUnspecified(address: string): boolean {
  return address === "0.0.0.0" || address === "::";
}
