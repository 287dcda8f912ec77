// X25519 through OpenSSL in the addon (native/x25519.c): a private key is
// imported once from its raw bytes, with its public key as a by-product.
import { native, type X25519Handle } from "./native.js";

export interface X25519PrivateKey {
  readonly handle: X25519Handle;
  readonly publicKey: Uint8Array;
}

/** Imports a 32-byte private key (OpenSSL clamps it as X25519 requires). */
export function x25519PrivateKey(privateKey: Uint8Array): X25519PrivateKey {
  const publicKey = new Uint8Array(32);
  const handle = native().x25519Key(privateKey, publicKey);
  return { handle, publicKey };
}

/**
 * X25519(key, peerPublic), or null when OpenSSL refuses it (a low-order point:
 * all-zero result). `out` (32 bytes) receives it instead of a new array.
 */
export function x25519Derive(key: X25519PrivateKey, peerPublic: Uint8Array, out: Uint8Array = new Uint8Array(32)): Uint8Array | null {
  return native().x25519Derive(key.handle, peerPublic, out) ? out : null;
}
