// The JSON-lines protocol between NsAgent (test process) and agent-main.ts (inside a namespace).

export interface AgentRequest {
  readonly id: number;
  readonly op: string;
  readonly [k: string]: unknown;
}

export interface AgentReply {
  readonly id?: number;
  readonly ok?: boolean;
  readonly result?: unknown;
  readonly error?: string;
  readonly errorName?: string;
}

/** A non-STUN datagram a socket received. */
export interface AgentDatagram {
  readonly address: string;
  readonly port: number;
  readonly text: string;
  readonly atMs: number;
}

export interface AgentEndpoint {
  readonly family: 4 | 6;
  readonly address: string;
  readonly port: number;
}

export interface AgentBinding {
  readonly mapped: AgentEndpoint;
  /** Where the answer came from (the alternate address/port when CHANGE-REQUEST was honoured). */
  readonly from: AgentEndpoint;
  readonly otherAddress: AgentEndpoint | null;
  readonly rttMs: number;
}
