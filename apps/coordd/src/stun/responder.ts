// Which socket answers a Binding request, and with what. coordd listens on up
// to four sockets: {primary, alternate address} x {primary, alternate port};
// socket index = addressIndex * 2 + portIndex. CHANGE-REQUEST flips the
// address and/or port index (RFC 5780 §6.1); change-IP without an alternate
// address gets a 420 error from the receiving socket for RFC 5780 clients.
// Classic RFC 3489 clients count any answer, even an error, as "the change
// worked", so they get no answer, which is what they are built to interpret.
// The STUN codec is @plug/nat's, loaded alone through its "./stun/message" subpath.
import type { Endpoint } from "@plug/protocol";
import { decodeBindingRequest, encodeBindingErrorResponse, encodeBindingResponse, StunAttr, type IncomingBindingRequest } from "@plug/nat/stun/message";

export interface StunSocketInfo {
  /** The address clients see for this socket, when known (not a wildcard bind). */
  readonly advertised?: Endpoint;
}

export interface StunAnswer {
  readonly socket: number;
  readonly bytes: Uint8Array;
}

export type StunOutcome =
  | { readonly kind: "answer"; readonly answer: StunAnswer }
  | { readonly kind: "malformed" }
  | { readonly kind: "unanswerable" };

/** sockets[i] is undefined when that socket does not exist (no alternate address). */
export function answerBinding(
  d: Uint8Array,
  from: Endpoint,
  arrivedOn: number,
  sockets: readonly (StunSocketInfo | undefined)[],
): StunOutcome {
  const req = decodeBindingRequest(d);
  if (req === undefined) return { kind: "malformed" };
  const ipIdx = arrivedOn >> 1;
  const portIdx = arrivedOn & 1;
  const hasAltAddress = sockets[2] !== undefined;
  if (req.changeIp && !hasAltAddress) {
    if (!req.modern) return { kind: "unanswerable" };
    return { kind: "answer", answer: { socket: arrivedOn, bytes: noAlternateAddressError(req) } };
  }
  const replyIdx = ((ipIdx ^ (req.changeIp ? 1 : 0)) << 1) | (portIdx ^ (req.changePort ? 1 : 0));
  const otherIdx = ((hasAltAddress ? ipIdx ^ 1 : ipIdx) << 1) | (portIdx ^ 1);
  const origin = sockets[replyIdx]?.advertised;
  const other = sockets[otherIdx]?.advertised;
  const bytes = encodeBindingResponse(req, { mapped: from, ...(origin ? { responseOrigin: origin } : {}), ...(other ? { otherAddress: other } : {}) });
  return { kind: "answer", answer: { socket: sockets[replyIdx] === undefined ? arrivedOn : replyIdx, bytes } };
}

/** 420 answer for a CHANGE-REQUEST this server cannot honour (no alternate address). */
function noAlternateAddressError(req: IncomingBindingRequest): Uint8Array {
  return encodeBindingErrorResponse(req, { code: 420, reason: "No alt", unknownAttributes: [StunAttr.ChangeRequest] });
}
