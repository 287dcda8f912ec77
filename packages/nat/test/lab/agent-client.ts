// The test side of agent.ts: this package's real code run inside a lab namespace.
import { fileURLToPath } from "node:url";
import { AgentProcess } from "./agent-process.js";

const AGENT = fileURLToPath(new URL("./agent.ts", import.meta.url));

export class LabAgent extends AgentProcess {
  constructor(ns: string) {
    super(ns, AGENT);
  }
}
