// The test side of agent-main.ts: starts it in a namespace and calls it with bounded waits
// (the JSON-lines client is packages/nat's lab AgentProcess). A STUN timeout fails a call with
// AgentError whose remoteName is "StunTimeoutError", so a test can tell silence from breakage.
import { fileURLToPath } from "node:url";
import type { NatBehavior } from "@plug/nat";
import { AgentProcess } from "../../../../packages/nat/test/lab/agent-process.js";
import type { Netns } from "../../netns.js";
import type { AgentBinding, AgentDatagram } from "./protocol.js";

export { AgentError } from "../../../../packages/nat/test/lab/agent-process.js";

const AGENT_MAIN = fileURLToPath(new URL("./agent-main.ts", import.meta.url));

export interface StunServer {
  readonly host: string;
  readonly port: number;
}

export interface BindingRequest {
  readonly changeIp?: boolean;
  readonly changePort?: boolean;
  /** RFC 5389 retransmission schedule overrides (silence is expected in filtering tests). */
  readonly rtoMs?: number;
  readonly rc?: number;
  readonly rm?: number;
}

export class NsAgent extends AgentProcess {
  constructor(readonly netns: Netns) {
    super(netns.name, AGENT_MAIN);
  }

  /** A UDP socket in the namespace (port 0: the kernel picks). Returns its handle and local port. */
  open(port = 0, opts: { address?: string; family?: 4 | 6 } = {}): Promise<{ socket: number; port: number }> {
    return this.call("open", { port, ...(opts.address ? { address: opts.address } : {}), family: opts.family ?? 4 });
  }

  binding(socket: number, server: StunServer, req: BindingRequest = {}): Promise<AgentBinding> {
    return this.call("binding", { socket, server: server.host, port: server.port, ...req }, 60_000);
  }

  /** RFC 5780 discovery with @plug/nat. `local` is the host's own address, to detect "no NAT". */
  discover(socket: number, server: StunServer, local?: string): Promise<NatBehavior> {
    return this.call("discover", { socket, server: server.host, port: server.port, ...(local ? { local } : {}) }, 90_000);
  }

  send(socket: number, to: string, port: number, text: string): Promise<void> {
    return this.call("send", { socket, to, port, text });
  }

  received(socket: number): Promise<AgentDatagram[]> {
    return this.call("received", { socket });
  }

  closeSocket(socket: number): Promise<void> {
    return this.call("close", { socket });
  }
}
