// The client side of the coordd link as a sans-IO state machine: plugd feeds
// it the datagrams that came from coordd and sends what it returns. It owns
// the session (ephemeral key, counters) and the current cookie, and retries a
// REGISTER once with a fresh cookie when coordd answers with COOKIE_REPLY.
import { generateKeyPair, generatePrivateKey, publicKeyFromPrivate } from "../crypto/keys.js";
import { MessageType } from "../constants.js";
import { DecodeError } from "../wire/errors.js";
import { decodeCookieReply } from "./cookie.js";
import { clientLinkKeys, type LinkKeys } from "./keys.js";
import { encodeRegister, openServerReply, type RegisterBody, type ServerMessage } from "./messages.js";

export type LinkEvent =
  | { readonly kind: "send"; readonly bytes: Uint8Array }
  | { readonly kind: "message"; readonly message: ServerMessage };

export class LinkClient {
  readonly keys: LinkKeys;
  private cookie: Uint8Array = new Uint8Array(16);
  private counter = 0n;
  /** Bodies waiting for an answer, by REGISTER counter, so a cookie reply can trigger a resend. */
  private readonly pending = new Map<bigint, RegisterBody>();

  /** `random` makes the ephemeral key deterministic (tests); otherwise OpenSSL generates it. */
  constructor(serverPublic: Uint8Array, random?: (n: number) => Uint8Array) {
    if (random === undefined) {
      const e = generateKeyPair();
      this.keys = clientLinkKeys(e.privateKey, e.publicKey, serverPublic);
    } else {
      const e = generatePrivateKey(random);
      this.keys = clientLinkKeys(e, publicKeyFromPrivate(e), serverPublic);
    }
  }

  /** A REGISTER for this body (with the current cookie, possibly none yet). */
  register(body: RegisterBody): Uint8Array {
    const c = this.counter++;
    this.pending.set(c, body);
    if (this.pending.size > 64) {
      const oldest = this.pending.keys().next().value;
      if (oldest !== undefined) this.pending.delete(oldest);
    }
    return encodeRegister(this.keys, this.cookie, c, body);
  }

  /** Feed a datagram from coordd. Returns what to send and what was learned; [] for anything not ours. */
  receive(d: Uint8Array): LinkEvent[] {
    const type = d[0];
    if (type === MessageType.CookieReply) {
      let reply;
      try {
        reply = decodeCookieReply(d);
      } catch (e) {
        if (e instanceof DecodeError) return [];
        throw e;
      }
      const body = this.pending.get(reply.echo);
      if (body === undefined) return [];
      this.pending.delete(reply.echo);
      this.cookie = reply.cookie;
      return [{ kind: "send", bytes: this.register(body) }];
    }
    if (type === MessageType.RegisterAck || type === MessageType.Push) {
      const message = openServerReply(this.keys, d);
      if (message === undefined) return [];
      if (message.kind === "ack") this.pending.delete(message.echo);
      return [{ kind: "message", message }];
    }
    return [];
  }
}
