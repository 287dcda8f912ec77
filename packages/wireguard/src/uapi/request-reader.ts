// Frames the UAPI byte stream into requests (WIREGUARD.md §9.2), with hard
// limits so a client cannot make the daemon buffer without bound. Sans-IO:
// bytes in, requests out; the server decides what to do with the socket.
//
// Deviation from wireguard-go, on purpose: a whole `set` is buffered before
// it is executed (wireguard-go applies lines as they stream in). For a client
// that ends its request with the blank line, as `wg` always does, the effect
// is identical: lines still apply in order and not transactionally.
import { EINVAL } from "../device/control.js";
import { formatGetFailure, formatSetStatus, UapiError } from "./status.js";

export interface UapiLimits {
  /** Longest accepted line, without its LF. The longest legitimate line (an endpoint with a zone) is < 100 bytes. */
  readonly maxLineBytes: number;
  /** Most key=value lines in one set (a large setconf is a few lines per allowed IP). */
  readonly maxLines: number;
  /** Most bytes in one request, LFs included. */
  readonly maxRequestBytes: number;
}

export const DEFAULT_UAPI_LIMITS: UapiLimits = {
  maxLineBytes: 1024,
  maxLines: 262_144,
  maxRequestBytes: 8 * 1024 * 1024,
};

const EMSGSIZE = 90;

export type UapiRequest =
  | { readonly kind: "get" }
  /** `terminated` is false when EOF arrived before the blank line (wireguard-go still applies what it read). */
  | { readonly kind: "set"; readonly lines: readonly string[]; readonly terminated: boolean }
  /** The connection must close, after writing `reply` if there is one. */
  | { readonly kind: "invalid"; readonly reason: string; readonly reply: string | null };

type State = "op" | "get" | "set" | "closed";

const LF = 0x0a;

export class UapiRequestReader {
  private state: State = "op";
  private partial: Buffer[] = [];
  private partialBytes = 0;
  private requestBytes = 0;
  private lines: string[] = [];

  constructor(private readonly limits: UapiLimits = DEFAULT_UAPI_LIMITS) {}

  get closed(): boolean {
    return this.state === "closed";
  }

  push(chunk: Uint8Array): UapiRequest[] {
    const out: UapiRequest[] = [];
    let data = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    while (this.state !== "closed" && data.length > 0) {
      const nl = data.indexOf(LF);
      const piece = nl < 0 ? data : data.subarray(0, nl);
      this.partial.push(piece);
      this.partialBytes += piece.length;
      this.requestBytes += piece.length + (nl < 0 ? 0 : 1);
      if (this.partialBytes > this.limits.maxLineBytes) {
        out.push(this.fail(`line longer than ${this.limits.maxLineBytes} bytes`, EMSGSIZE));
        break;
      }
      if (this.requestBytes > this.limits.maxRequestBytes) {
        out.push(this.fail(`request larger than ${this.limits.maxRequestBytes} bytes`, EMSGSIZE));
        break;
      }
      if (nl < 0) break;
      const line = Buffer.concat(this.partial, this.partialBytes).toString("utf8");
      this.partial = [];
      this.partialBytes = 0;
      data = data.subarray(nl + 1);
      const request = this.line(line);
      if (request !== null) out.push(request);
    }
    return out;
  }

  /** The peer closed its side. An unfinished set is still returned, as wireguard-go applies it. */
  end(): UapiRequest[] {
    if (this.state === "set") {
      // bufio.Scanner in wireguard-go also yields a last line that has no LF.
      const tail = Buffer.concat(this.partial, this.partialBytes).toString("utf8");
      const lines = tail === "" ? this.lines : [...this.lines, tail];
      this.reset();
      this.state = "closed";
      return [{ kind: "set", lines, terminated: false }];
    }
    this.state = "closed";
    return [];
  }

  private line(line: string): UapiRequest | null {
    switch (this.state) {
      case "op":
        if (line === "get=1") {
          this.state = "get";
          return null;
        }
        if (line === "set=1") {
          this.state = "set";
          return null;
        }
        // wireguard-go closes without a reply on an unknown operation.
        this.state = "closed";
        return { kind: "invalid", reason: `invalid UAPI operation ${JSON.stringify(line.slice(0, 32))}`, reply: null };
      case "get":
        if (line !== "") return this.fail("trailing characters in UAPI get", EINVAL);
        this.reset();
        return { kind: "get" };
      case "set":
        if (line === "") {
          const lines = this.lines;
          this.reset();
          return { kind: "set", lines, terminated: true };
        }
        if (this.lines.length >= this.limits.maxLines) return this.fail(`more than ${this.limits.maxLines} lines in one set`, EMSGSIZE);
        this.lines.push(line);
        return null;
      case "closed":
        return null;
    }
  }

  private fail(reason: string, errno: number): UapiRequest {
    const error = new UapiError(reason, errno);
    const reply = this.state === "get" ? formatGetFailure(error) : this.state === "set" ? formatSetStatus(error) : null;
    this.reset();
    this.state = "closed";
    return { kind: "invalid", reason, reply };
  }

  private reset(): void {
    this.state = "op";
    this.partial = [];
    this.partialBytes = 0;
    this.requestBytes = 0;
    this.lines = [];
  }
}
