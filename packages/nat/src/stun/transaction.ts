// One STUN binding transaction as a sans-IO state machine: the caller feeds
// received packets and timer expiries with the current time and performs the
// sends it is told to.
import type { Endpoint } from "@plug/wireguard/net";
import { Retransmitter, stunSchedule, type RetransmitSchedule } from "../time/retransmit.js";
import { decodeBindingError, decodeBindingResponse, encodeBindingRequest, type BindingRequest, type BindingResponse } from "./message.js";

export type StunTransactionOutcome =
  | { readonly kind: "success"; readonly response: BindingResponse; readonly from: Endpoint; readonly rttMs: number }
  | { readonly kind: "error"; readonly code: number; readonly reason: string }
  | { readonly kind: "timeout"; readonly sends: number };

export type StunTransactionStep =
  | { readonly kind: "send"; readonly bytes: Uint8Array; readonly to: Endpoint }
  | { readonly kind: "done"; readonly outcome: StunTransactionOutcome }
  | { readonly kind: "none" };

export class StunTransaction {
  readonly bytes: Uint8Array;
  private readonly retransmit: Retransmitter;
  private readonly startedAt: number;
  private lastSendAt: number;
  private resent = false;
  private finished = false;

  constructor(
    readonly server: Endpoint,
    readonly request: BindingRequest,
    nowMs: number,
    schedule: RetransmitSchedule = stunSchedule(),
  ) {
    this.bytes = encodeBindingRequest(request);
    this.retransmit = new Retransmitter(schedule, nowMs);
    this.startedAt = nowMs;
    this.lastSendAt = nowMs;
  }

  /** The first send; the caller sends it right after constructing. */
  first(): StunTransactionStep {
    return { kind: "send", bytes: this.bytes, to: this.server };
  }

  get deadline(): number {
    return this.retransmit.deadline;
  }

  get done(): boolean {
    return this.finished;
  }

  onTimer(nowMs: number): StunTransactionStep {
    if (this.finished) return { kind: "none" };
    const r = this.retransmit.onTimer(nowMs);
    if (r === "wait") return { kind: "none" };
    if (r === "give-up") {
      this.finished = true;
      return { kind: "done", outcome: { kind: "timeout", sends: this.retransmit.sends } };
    }
    this.lastSendAt = nowMs;
    this.resent = true;
    return { kind: "send", bytes: this.bytes, to: this.server };
  }

  /**
   * Offers a packet; returns "none" if it does not belong to this transaction.
   * Responses are matched by transaction id only: with CHANGE-REQUEST the
   * answer legitimately comes from another address.
   */
  receive(packet: Uint8Array, from: Endpoint, nowMs: number): StunTransactionStep {
    if (this.finished) return { kind: "none" };
    const ok = decodeBindingResponse(packet);
    if (ok !== undefined) {
      if (!sameId(ok.transactionId, this.request.transactionId)) return { kind: "none" };
      this.finished = true;
      // Karn: an RTT measured across a retransmission is ambiguous, so we report from the last send.
      const rttMs = nowMs - (this.resent ? this.lastSendAt : this.startedAt);
      return { kind: "done", outcome: { kind: "success", response: ok, from, rttMs } };
    }
    const err = decodeBindingError(packet);
    if (err !== undefined && sameId(err.transactionId, this.request.transactionId)) {
      this.finished = true;
      return { kind: "done", outcome: { kind: "error", code: err.code, reason: err.reason } };
    }
    return { kind: "none" };
  }
}

export function sameId(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}
