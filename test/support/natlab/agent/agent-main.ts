// Runs inside a lab namespace (Node cannot enter one itself): UDP sockets that live as long as
// the agent, so a test can hold one local port across a roam, with @plug/nat's STUN client and
// RFC 5780 discovery on them. One JSON request per stdin line, one JSON answer per stdout line.
// The agent exits when its stdin closes, so it cannot outlive the test process.
import { createSocket, type Socket } from "node:dgram";
import { createInterface } from "node:readline";
import { StunClient, discoverNatBehavior, looksLikeStun } from "@plug/nat";
import type { AgentDatagram, AgentRequest } from "./protocol.js";

interface Open {
  readonly sock: Socket;
  readonly stun: StunClient;
  readonly received: AgentDatagram[];
}

const sockets = new Map<number, Open>();
let nextId = 1;

function get(id: unknown): Open {
  const s = sockets.get(Number(id));
  if (s === undefined) throw new Error(`no socket ${String(id)}`);
  return s;
}

const ep = (address: unknown, port: unknown): { family: 4 | 6; address: string; port: number } => ({
  family: String(address).includes(":") ? 6 : 4,
  address: String(address),
  port: Number(port),
});

const ops: Record<string, (r: AgentRequest) => Promise<unknown>> = {
  async open(r) {
    // udp6 sockets are IPv6-only: an IPv6 test must not pass over IPv4 by accident.
    const sock = Number(r.family ?? 4) === 6 ? createSocket({ type: "udp6", ipv6Only: true }) : createSocket("udp4");
    await new Promise<void>((resolve, reject) => {
      sock.once("error", reject);
      sock.bind({ port: Number(r.port ?? 0), ...(r.address ? { address: String(r.address) } : {}) }, () => resolve());
    });
    const stun = new StunClient({ send: (bytes, to) => sock.send(bytes, to.port, to.address) });
    const received: AgentDatagram[] = [];
    sock.on("message", (msg, rinfo) => {
      const from = ep(rinfo.address, rinfo.port);
      if (looksLikeStun(msg) && stun.receive(msg, from)) return;
      received.push({ address: rinfo.address, port: rinfo.port, text: msg.toString("utf8"), atMs: Date.now() });
    });
    // A roam can make sends fail for a moment (no route); the caller sees it as silence.
    sock.on("error", () => undefined);
    const id = nextId++;
    sockets.set(id, { sock, stun, received });
    return { socket: id, port: sock.address().port };
  },
  async binding(r) {
    const s = get(r.socket);
    const res = await s.stun.binding(ep(r.server, r.port), {
      ...(r.changeIp ? { changeIp: true } : {}),
      ...(r.changePort ? { changePort: true } : {}),
      ...(r.rtoMs !== undefined ? { rtoMs: Number(r.rtoMs) } : {}),
      ...(r.rc !== undefined ? { rc: Number(r.rc) } : {}),
      ...(r.rm !== undefined ? { rm: Number(r.rm) } : {}),
    });
    return { mapped: res.mapped, from: res.from, otherAddress: res.otherAddress ?? null, rttMs: res.rttMs };
  },
  async discover(r) {
    const s = get(r.socket);
    const local = r.local ? ep(r.local, s.sock.address().port) : undefined;
    return discoverNatBehavior((server, opts) => s.stun.binding(server, opts), ep(r.server, r.port), local ? { local } : {});
  },
  async send(r) {
    const s = get(r.socket);
    await new Promise<void>((resolve, reject) => s.sock.send(String(r.text), Number(r.port), String(r.to), (err) => (err ? reject(err) : resolve())));
    return {};
  },
  async received(r) {
    return get(r.socket).received;
  },
  async close(r) {
    const s = get(r.socket);
    s.stun.close();
    s.sock.close();
    sockets.delete(Number(r.socket));
    return {};
  },
};

const rl = createInterface({ input: process.stdin });
rl.on("line", (line) => {
  let req: AgentRequest;
  try {
    req = JSON.parse(line) as AgentRequest;
  } catch {
    return;
  }
  const reply = (o: object): void => void process.stdout.write(JSON.stringify({ id: req.id, ...o }) + "\n");
  const op = ops[req.op];
  if (op === undefined) return reply({ ok: false, error: `unknown op ${req.op}` });
  op(req).then(
    (result) => reply({ ok: true, result }),
    (e: unknown) => reply({ ok: false, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e), errorName: e instanceof Error ? e.name : "Error" }),
  );
});
rl.on("close", () => process.exit(0));
