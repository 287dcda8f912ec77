// Drop accounting: every input the core refuses increments exactly one of
// these named counters in `DeviceCore.stats` (nothing on the network path throws).

/** Every reason an input can be dropped; all start at 0 so a snapshot lists them. */
export const DROP_REASONS = [
  "rx_malformed",
  "rx_device_down",
  "rx_bad_mac1",
  "rx_cookie_sent",
  "rx_rate_limited",
  "rx_handshake_failed",
  "rx_unknown_peer",
  "rx_handshake_replay",
  "rx_handshake_flood",
  "rx_unknown_index",
  "rx_bad_cookie",
  "rx_expired_keypair",
  "rx_decrypt_failed",
  "rx_replay",
  "rx_malformed_inner",
  "rx_source_check",
  "rx_internal_error",
  "tx_device_down",
  "tx_malformed",
  "tx_no_route",
  "tx_no_endpoint",
  "tx_staged_overflow",
  "tx_handshake_timeout",
  "tx_flushed",
] as const;
export type DropReason = (typeof DROP_REASONS)[number];

/** Counts `count` (default 1) inputs dropped for `reason`; a count of 0 changes nothing. */
export type Drop = (reason: DropReason, count?: number) => void;
