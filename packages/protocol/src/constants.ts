// Numbers every implementation of the coordination protocol must agree on.
// docs/PROTOCOL.md is the normative text; this file mirrors it.

/** The only wire version this code speaks; version negotiation reports it. */
export const PROTOCOL_VERSION = 1;
export const MIN_PROTOCOL_VERSION = 1;
export const MAX_PROTOCOL_VERSION = 1;

/**
 * plug message types. All live in 0xE0–0xEF so the first byte alone tells them
 * apart from WireGuard (1–4), STUN (top two bits 00), TURN ChannelData (0x40–0x7F),
 * DTLS (20–63) and RTP (0x80–0xBF) on the shared UDP socket.
 */
export const MessageType = {
  CookieReply: 0xe1,
  Register: 0xe2,
  RegisterAck: 0xe3,
  Push: 0xe4,
  Relay: 0xe5,
  ProbePing: 0xe6,
  ProbePong: 0xe7,
  Version: 0xef,
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

export const PLUG_TYPE_MIN = 0xe0;
export const PLUG_TYPE_MAX = 0xef;

export const HEADER_LENGTH = 4;
export const KEY_LENGTH = 32;
export const RID_LENGTH = 16;
export const SLOT_TOKEN_LENGTH = 16;
export const COOKIE_LENGTH = 16;
export const CHANNEL_LENGTH = 8;
export const SESSION_TAG_LENGTH = 8;
export const COUNTER_LENGTH = 8;
export const AEAD_TAG_LENGTH = 16;
export const SEAL_NONCE_LENGTH = 12;
export const PROBE_TXID_LENGTH = 12;
export const PROBE_MAC_LENGTH = 16;

/** Rendezvous ids rotate every epoch; clients also register the neighbour epoch near a boundary. */
export const EPOCH_SECONDS = 3600;
export const EPOCH_OVERLAP_SECONDS = 300;

/** Limits: anything larger is dropped before parsing. */
export const MAX_SEALED_LENGTH = 600;
export const MAX_CANDIDATES = 16;
export const MAX_REGISTER_LENGTH = 768;
export const MAX_RELAY_PAYLOAD = 2048;

/** Timers (seconds). */
export const REGISTRATION_LIFETIME_SECONDS = 120;
export const REFRESH_INTERVAL_SECONDS = 25;
export const COOKIE_ROTATION_SECONDS = 120;
export const SESSION_IDLE_SECONDS = 180;
