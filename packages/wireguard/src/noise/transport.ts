// Transport data messages (§3.4): padding, sealing under the keypair's
// counter, opening, and recovering the real inner length from the IP header.
import { openTransportInPlace, sealTransportInPlace, type AeadHandle } from "@plug/fastpath";
import { TAG_LENGTH } from "../crypto/aead.js";
import { MessageType, TRANSPORT_HEADER_LENGTH } from "./messages.js";

const PADDING_MULTIPLE = 16;

/** WG-GO calculatePaddingSize: round up to 16 but never past the MTU. */
export function paddedLength(length: number, mtu: number): number {
  if (mtu <= 0) return (length + PADDING_MULTIPLE - 1) & ~(PADDING_MULTIPLE - 1);
  let last = length;
  if (last > mtu) last %= mtu;
  let padded = (last + PADDING_MULTIPLE - 1) & ~(PADDING_MULTIPLE - 1);
  if (padded > mtu) padded = mtu;
  return length + (padded - last);
}

/** Builds a complete type-4 message; the plaintext is padded with zeros first. */
export function sealTransport(
  sealer: AeadHandle,
  receiverIndex: number,
  counter: bigint,
  plaintext: Uint8Array,
  mtu: number,
): Uint8Array {
  const padded = paddedLength(plaintext.length, mtu);
  // One allocation for the whole datagram: header, padded plaintext (encrypted in place), tag.
  const out = new Uint8Array(TRANSPORT_HEADER_LENGTH + padded + TAG_LENGTH);
  const v = new DataView(out.buffer);
  out[0] = MessageType.Transport;
  v.setUint32(4, receiverIndex, true);
  v.setBigUint64(8, counter, true);
  out.set(plaintext, TRANSPORT_HEADER_LENGTH);
  // The nonce is the counter just written at bytes 8..16.
  sealTransportInPlace(sealer, out, padded);
  return out;
}

/**
 * The padded plaintext, or null when authentication fails; the nonce is the
 * message's own counter field. Decrypts in place: the caller owns `message`
 * and must not use its body afterwards except through the returned view.
 * The header must already be validated.
 */
export function openTransport(opener: AeadHandle, message: Uint8Array): Uint8Array | null {
  const length = openTransportInPlace(opener, message);
  return length < 0 ? null : message.subarray(TRANSPORT_HEADER_LENGTH, TRANSPORT_HEADER_LENGTH + length);
}

/** Real length of the IP packet inside a padded plaintext; null when it is not a sane IPv4/IPv6 packet. */
export function innerPacketLength(plaintext: Uint8Array): number | null {
  const version = (plaintext[0] ?? 0) >> 4;
  if (version === 4) {
    if (plaintext.length < 20) return null;
    const total = ((plaintext[2] ?? 0) << 8) | (plaintext[3] ?? 0);
    return total >= 20 && total <= plaintext.length ? total : null;
  }
  if (version === 6) {
    if (plaintext.length < 40) return null;
    const total = (((plaintext[4] ?? 0) << 8) | (plaintext[5] ?? 0)) + 40;
    return total <= plaintext.length ? total : null;
  }
  return null;
}

/** Source address bytes of an IP packet (already length-checked). */
export function sourceAddressOf(packet: Uint8Array): Uint8Array {
  return (packet[0] ?? 0) >> 4 === 4 ? packet.subarray(12, 16) : packet.subarray(8, 24);
}

/** Destination address bytes, or null when the packet is too short or not IPv4/IPv6. */
export function destinationAddressOf(packet: Uint8Array): Uint8Array | null {
  const version = (packet[0] ?? 0) >> 4;
  if (version === 4 && packet.length >= 20) return packet.subarray(16, 20);
  if (version === 6 && packet.length >= 40) return packet.subarray(24, 40);
  return null;
}
