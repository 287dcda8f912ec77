// Timer and limit constants of WIREGUARD.md §6.1, in milliseconds.
export const REKEY_AFTER_TIME = 120_000;
export const REJECT_AFTER_TIME = 180_000;
export const REKEY_TIMEOUT = 5_000;
export const KEEPALIVE_TIMEOUT = 10_000;
/** Retransmits before giving up: REKEY_ATTEMPT_TIME / REKEY_TIMEOUT. */
export const MAX_TIMER_HANDSHAKES = 18;
/** Jitter is uniform in [0, JITTER_MAX_MS) (WG-GO fastrandn(334)). */
export const JITTER_MAX_MS = 334;
export const ZERO_KEY_TIMEOUT = 3 * REJECT_AFTER_TIME;
/** Receiving side: age after which the initiator rekeys on receive (§6.5 keep_key_fresh_recv). */
export const LAST_MINUTE_REKEY = REJECT_AFTER_TIME - KEEPALIVE_TIMEOUT - REKEY_TIMEOUT;
/** Minimum spacing of accepted initiations from one peer (1/50 s). */
export const INITIATION_FLOOD_MS = 20;
export const MAX_STAGED_PACKETS = 128;
/** Handshake messages per second above which the device counts as under load (local policy, §5.3). */
export const UNDER_LOAD_THRESHOLD = 100;
/**
 * A burst this large within UNDER_LOAD_BURST_WINDOW also counts (over 1000/s):
 * WG-GO measures queue depth, which fills within a millisecond of a flood; a
 * per-second count alone would let the first hundred flood packets (and any
 * initiation racing them) through the full handshake path.
 */
export const UNDER_LOAD_BURST = 16;
export const UNDER_LOAD_BURST_WINDOW = 16;
/** How long "under load" lasts after it was last detected. */
export const UNDER_LOAD_TAIL = 1_000;
