// RELAY: header(4) | channel(8) | payload. The same frame in both directions
// and over both transports (UDP datagram, WebSocket binary message). coordd
// forwards a frame only when it arrives from one of the two registered
// addresses of the channel's pair, and only to the other one.
import { CHANNEL_LENGTH, HEADER_LENGTH, MAX_RELAY_PAYLOAD, MessageType } from "../constants.js";
import { DecodeError } from "../wire/errors.js";
import { readHeader, writeHeader } from "../wire/header.js";

export const RELAY_HEADER_LENGTH = HEADER_LENGTH + CHANNEL_LENGTH;

export interface RelayFrame {
  readonly channel: Uint8Array;
  readonly payload: Uint8Array;
}

export function encodeRelayFrame(channel: Uint8Array, payload: Uint8Array): Uint8Array {
  if (channel.length !== CHANNEL_LENGTH) throw new RangeError("bad channel length");
  if (payload.length > MAX_RELAY_PAYLOAD) throw new RangeError("relay payload too long");
  const out = new Uint8Array(RELAY_HEADER_LENGTH + payload.length);
  writeHeader(out, MessageType.Relay);
  out.set(channel, HEADER_LENGTH);
  out.set(payload, RELAY_HEADER_LENGTH);
  return out;
}

/** Views into the input, no copy: the relay's hot path. */
export function decodeRelayFrame(d: Uint8Array): RelayFrame {
  if (d.length < RELAY_HEADER_LENGTH || d.length > RELAY_HEADER_LENGTH + MAX_RELAY_PAYLOAD) throw new DecodeError("relay size");
  const h = readHeader(d);
  if (h.type !== MessageType.Relay || h.b2 !== 0 || h.b3 !== 0) throw new DecodeError("not a relay frame");
  return { channel: d.subarray(HEADER_LENGTH, RELAY_HEADER_LENGTH), payload: d.subarray(RELAY_HEADER_LENGTH) };
}
