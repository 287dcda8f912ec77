// STUN binding client over a caller-provided send function, so plugd can run
// it on its WireGuard socket (the public mapping STUN observes must be the one
// WireGuard uses). The caller hands every packet that `looksLikeStun` to
// `receive`.
import type { Endpoint } from "@plug/wireguard/net";
import { systemClock, systemRandom, type Clock, type RandomSource } from "../time/clock.js";
import { stunSchedule } from "../time/retransmit.js";
import type { BindingResponse } from "./message.js";
import { StunTransaction, type StunTransactionStep } from "./transaction.js";

export type DatagramSend = (bytes: Uint8Array, to: Endpoint) => void;

export interface StunClientOptions {
  readonly send: DatagramSend;
  readonly clock?: Clock;
  readonly random?: RandomSource;
  /** SOFTWARE attribute; omitted by default (less to fingerprint). */
  readonly software?: string;
}

export interface BindingOptions {
  readonly changeIp?: boolean;
  readonly changePort?: boolean;
  /** RFC 5389 defaults: 500 ms, 7 sends, 16 RTOs after the last. */
  readonly rtoMs?: number;
  readonly rc?: number;
  readonly rm?: number;
}

export interface BindingResult extends BindingResponse {
  /** Where the response came from (differs from the server when CHANGE-REQUEST was honoured). */
  readonly from: Endpoint;
  readonly rttMs: number;
}

export class StunError extends Error {
  constructor(message: string, readonly code?: number) {
    super(message);
    this.name = "StunError";
  }
}

export class StunTimeoutError extends StunError {
  constructor(readonly server: Endpoint, readonly sends: number) {
    super(`no STUN response from ${server.address}:${server.port} after ${sends} sends`);
    this.name = "StunTimeoutError";
  }
}

interface Pending {
  readonly tx: StunTransaction;
  timer: ReturnType<typeof setTimeout> | undefined;
  readonly resolve: (r: BindingResult) => void;
  readonly reject: (e: Error) => void;
}

export interface StunClientStats {
  /** STUN-looking packets that matched no transaction (late, duplicate or forged). */
  unmatched: number;
}

export class StunClient {
  private readonly pending = new Map<string, Pending>();
  private readonly clock: Clock;
  private readonly random: RandomSource;
  readonly stats: StunClientStats = { unmatched: 0 };
  private closed = false;

  constructor(private readonly options: StunClientOptions) {
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? systemRandom;
  }

  binding(server: Endpoint, opts: BindingOptions = {}): Promise<BindingResult> {
    if (this.closed) return Promise.reject(new StunError("STUN client closed"));
    const transactionId = this.random(12);
    const tx = new StunTransaction(
      server,
      {
        transactionId,
        ...(opts.changeIp ? { changeIp: true } : {}),
        ...(opts.changePort ? { changePort: true } : {}),
        ...(this.options.software !== undefined ? { software: this.options.software } : {}),
      },
      this.clock.now(),
      stunSchedule(opts.rtoMs, opts.rc, opts.rm),
    );
    return new Promise<BindingResult>((resolve, reject) => {
      const p: Pending = { tx, timer: undefined, resolve, reject };
      this.pending.set(key(transactionId), p);
      this.apply(p, tx.first());
    });
  }

  /** Offers a received packet; true when it answered one of our transactions. */
  receive(packet: Uint8Array, from: Endpoint): boolean {
    if (packet.length < 20) return false;
    const p = this.pending.get(key(packet.subarray(8, 20)));
    if (p === undefined) {
      this.stats.unmatched++;
      return false;
    }
    const step = p.tx.receive(packet, from, this.clock.now());
    if (step.kind === "none") {
      this.stats.unmatched++;
      return false;
    }
    this.apply(p, step);
    return true;
  }

  /** Fails every outstanding transaction. */
  close(): void {
    this.closed = true;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new StunError("STUN client closed"));
    }
    this.pending.clear();
  }

  private apply(p: Pending, step: StunTransactionStep): void {
    if (step.kind === "none") return;
    if (step.kind === "send") {
      try {
        this.options.send(step.bytes, step.to);
      } catch {
        // A failed send is a lost packet; retransmission covers it.
      }
      this.arm(p);
      return;
    }
    clearTimeout(p.timer);
    this.pending.delete(key(p.tx.request.transactionId));
    const o = step.outcome;
    if (o.kind === "success") p.resolve({ ...o.response, from: o.from, rttMs: o.rttMs });
    else if (o.kind === "error") p.reject(new StunError(`STUN error ${o.code} ${o.reason}`, o.code));
    else p.reject(new StunTimeoutError(p.tx.server, o.sends));
  }

  private arm(p: Pending): void {
    clearTimeout(p.timer);
    const delay = Math.max(0, p.tx.deadline - this.clock.now());
    p.timer = setTimeout(() => {
      const step = p.tx.onTimer(this.clock.now());
      // Timers may fire a hair early against the injected clock: wait again.
      if (step.kind === "none" && !p.tx.done) this.arm(p);
      else this.apply(p, step);
    }, delay);
  }
}

function key(id: Uint8Array): string {
  return Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString("hex");
}
