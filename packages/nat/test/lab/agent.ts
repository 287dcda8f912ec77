// The client side of the lab tests, run inside the "lan" namespace by
// LabAgent: each JSON line on stdin names an operation of the real package
// code; each answer is one JSON line on stdout.
import { createSocket, type Socket } from "node:dgram";
import { createInterface } from "node:readline";
import { PmpPcpClient, PortMapper, StunClient, UpnpClient, discoverNatBehavior, looksLikeStun } from "../../src/index.js";
import type { MappingEvent, MappingKeeper, PmpPcpProtocol, TransportProtocol } from "../../src/index.js";

const keepers = new Map<number, MappingKeeper>();
const events = new Map<number, MappingEvent[]>();
const mappers = new Map<number, PortMapper>();
let nextHandle = 1;

function keeperFor(r: Request): MappingKeeper {
  const k = keepers.get(Number(r.handle));
  if (k === undefined) throw new Error(`no keeper ${String(r.handle)}`);
  return k;
}

/** Resolves once `count` events of `kind` have been seen for the handle (bounded by the caller's timeout). */
async function waitForEvents(handle: number, kind: MappingEvent["kind"], count: number): Promise<MappingEvent[]> {
  for (;;) {
    const list = events.get(handle) ?? [];
    if (list.filter((e) => e.kind === kind).length >= count) return list;
    await new Promise((r) => setTimeout(r, 50));
  }
}

type Request = { id: number; op: string; [k: string]: unknown };

const sockets = new Map<number, Socket>();
const received = new Map<number, string[]>();

async function bindUdp(port: number): Promise<Socket> {
  const s = createSocket("udp4");
  await new Promise<void>((resolve, reject) => {
    s.once("error", reject);
    s.bind(port, () => resolve());
  });
  return s;
}

const ops: Record<string, (r: Request) => Promise<unknown>> = {
  async "stun-discover"(r) {
    const sock = await bindUdp(0);
    const client = new StunClient({ send: (bytes, to) => sock.send(bytes, to.port, to.address) });
    sock.on("message", (msg, rinfo) => {
      if (looksLikeStun(msg)) client.receive(msg, { family: 4, address: rinfo.address, port: rinfo.port });
    });
    try {
      const local = { family: 4 as const, address: String(r.localAddress), port: sock.address().port };
      return await discoverNatBehavior((server, opts) => client.binding(server, opts), { family: 4, address: String(r.server), port: Number(r.port) }, { local });
    } finally {
      client.close();
      sock.close();
    }
  },
  async "pmp-pcp-map"(r) {
    const handle = nextHandle++;
    events.set(handle, []);
    const client = new PmpPcpClient({
      gateway: String(r.gateway),
      request: { protocol: String(r.protocol ?? "udp") as TransportProtocol, internalPort: Number(r.internalPort), lifetimeSeconds: Number(r.lifetime ?? 3600) },
      protocols: r.protocols as PmpPcpProtocol[],
      ...(r.announcements === false ? { announcements: false } : {}),
      onEvent: (e) => events.get(handle)?.push(e),
    });
    keepers.set(handle, client);
    const mapping = await client.start();
    return { handle, mapping };
  },
  async "upnp-map"(r) {
    const handle = nextHandle++;
    events.set(handle, []);
    const client = new UpnpClient({
      request: { protocol: String(r.protocol ?? "udp") as TransportProtocol, internalPort: Number(r.internalPort), lifetimeSeconds: Number(r.lifetime ?? 3600) },
      discovery: { gateway: String(r.gateway), timeoutMs: 5000 },
      onEvent: (e) => events.get(handle)?.push(e),
    });
    keepers.set(handle, client);
    const mapping = await client.start();
    return { handle, mapping, serviceType: client.gateway?.serviceType };
  },
  /** The whole PortMapper, gateway taken from this namespace's routing table. */
  async "port-mapper"(r) {
    const handle = nextHandle++;
    events.set(handle, []);
    const mapper = new PortMapper({
      request: { protocol: "udp", internalPort: Number(r.internalPort), lifetimeSeconds: Number(r.lifetime ?? 3600) },
      ...(r.methods ? { methods: r.methods as MappingKeeper["method"][] } : {}),
      onEvent: (e) => events.get(handle)?.push(e),
    });
    mappers.set(handle, mapper);
    const mapping = await mapper.start();
    return { handle, mapping, errors: mapper.lastErrors.map((e) => e.message) };
  },
  async "port-mapper-stop"(r) {
    await mappers.get(Number(r.handle))?.stop();
    return events.get(Number(r.handle)) ?? [];
  },
  /** Renews now and waits for the resulting mapping. */
  async renew(r) {
    const handle = Number(r.handle);
    const before = (events.get(handle) ?? []).filter((e) => e.kind === "mapped").length;
    keeperFor(r).renewNow();
    return waitForEvents(handle, "mapped", before + 1);
  },
  async stop(r) {
    await keeperFor(r).stop();
    keepers.delete(Number(r.handle));
    return events.get(Number(r.handle)) ?? [];
  },
  async "wait-events"(r) {
    return waitForEvents(Number(r.handle), String(r.kind) as MappingEvent["kind"], Number(r.count));
  },
  async events(r) {
    return events.get(Number(r.handle)) ?? [];
  },
  /** Listens on a UDP port and records what arrives (to prove a mapping forwards). */
  async "udp-listen"(r) {
    const port = Number(r.port);
    const s = await bindUdp(port);
    sockets.set(port, s);
    received.set(port, []);
    s.on("message", (m) => received.get(port)?.push(m.toString()));
    return { port };
  },
  async "udp-received"(r) {
    return received.get(Number(r.port)) ?? [];
  },
};

const rl = createInterface({ input: process.stdin });
rl.on("line", (line) => {
  let req: Request;
  try {
    req = JSON.parse(line) as Request;
  } catch {
    return;
  }
  const op = ops[req.op];
  const reply = (o: object): void => void process.stdout.write(JSON.stringify({ id: req.id, ...o }) + "\n");
  if (op === undefined) return reply({ ok: false, error: `unknown op ${req.op}` });
  op(req).then(
    (result) => reply({ ok: true, result }),
    (e: unknown) => reply({ ok: false, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) }),
  );
});
rl.on("close", () => process.exit(0));
