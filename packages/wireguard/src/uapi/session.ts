// One UAPI connection, sans-IO: bytes in, reply text and a close decision out.
// Any number of requests may follow one another on a connection (wireguard-go
// serves them in a loop; `wg` sends one and closes). A connection that closes
// without sending anything is `wg`'s probe and yields nothing.
// Callers must not overlap receive()/end() calls: requests run strictly in order.
import { EIO, type DeviceControl } from "../device/control.js";
import type { Logger } from "../log/logger.js";
import { formatGet } from "./get.js";
import { DEFAULT_UAPI_LIMITS, UapiRequestReader, type UapiLimits, type UapiRequest } from "./request-reader.js";
import { executeSet } from "./set.js";
import { formatGetFailure, formatSetStatus, UapiError } from "./status.js";

export interface SessionOutput {
  /** Text to write back (possibly empty). */
  readonly reply: string;
  /** Close the connection after writing the reply. */
  readonly close: boolean;
}

export class UapiSession {
  private readonly reader: UapiRequestReader;

  constructor(
    private readonly control: DeviceControl,
    private readonly log: Logger,
    limits: UapiLimits = DEFAULT_UAPI_LIMITS,
  ) {
    this.reader = new UapiRequestReader(limits);
  }

  async receive(chunk: Uint8Array): Promise<SessionOutput> {
    return this.run(this.reader.push(chunk));
  }

  /** The client half-closed (or went away). */
  async end(): Promise<SessionOutput> {
    const out = await this.run(this.reader.end());
    return { reply: out.reply, close: true };
  }

  private async run(requests: readonly UapiRequest[]): Promise<SessionOutput> {
    let reply = "";
    for (const request of requests) {
      switch (request.kind) {
        case "get":
          reply += this.get();
          break;
        case "set": {
          const error = await executeSet(this.control, request.lines, this.log);
          if (error !== null) this.log.error(`UAPI: set failed: ${error.message}`);
          reply += formatSetStatus(error);
          break;
        }
        case "invalid":
          this.log.error(`UAPI: ${request.reason}`);
          return { reply: reply + (request.reply ?? ""), close: true };
      }
    }
    return { reply, close: this.reader.closed };
  }

  private get(): string {
    try {
      return formatGet(this.control.snapshot());
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.log.error(`UAPI: get failed: ${message}`);
      return formatGetFailure(new UapiError(message, EIO));
    }
  }
}
