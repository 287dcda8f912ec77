// The @plug/wireguard internals the handshake benchmark drives. The package's public entry point
// does not export the Noise steps, so they are imported from its sources (run through tsx).
export { clampPrivateKey } from "../../packages/wireguard/src/crypto/keys.js";
export { compareTai64n, encodeTai64n } from "../../packages/wireguard/src/crypto/tai64n.js";
export { dh, generateKeypair, privateKeyObject, x25519PublicKey } from "../../packages/wireguard/src/crypto/x25519.js";
export { ZERO_KEY } from "../../packages/wireguard/src/noise/constants.js";
export { CookieChecker, CookieGenerator, encodeCookieSource } from "../../packages/wireguard/src/noise/cookie.js";
export {
  commitInitiation,
  consumeResponse,
  createInitiation,
  createResponse,
  finishInitiation,
  Handshake,
  openInitiation,
} from "../../packages/wireguard/src/noise/handshake.js";
export { Keypair } from "../../packages/wireguard/src/noise/keypair.js";
export { decodeInitiation, decodeResponse } from "../../packages/wireguard/src/noise/messages.js";
export { ReplayWindow } from "../../packages/wireguard/src/replay/replay-window.js";
