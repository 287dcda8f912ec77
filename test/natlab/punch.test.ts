// The ground truth the coordination matrix builds on: for every pair of NAT kinds, can two hosts
// reach each other directly by plain UDP hole punching (each learns its public mapping from coordd's
// STUN, both send to the other's mapping, whoever hears the other answers the source)? Expected:
// yes, unless a side blocks UDP, or an endpoint-dependent NAT faces one that filters by address and
// port (edm–edm, edm–eim) — the pairs that need port mapping, birthday probing or the relay.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { AgentError, type AgentEndpoint, type Host, NAT_KINDS, type NatKind, NatLab, type NsAgent } from "../support/natlab/index.js";
import { sleep } from "../support/netns.js";

let lab: NatLab;
const hosts = new Map<string, { host: Host; agent: NsAgent }>();

function expectedDirect(x: NatKind, y: NatKind): boolean {
  if (x === "udp-blocked" || y === "udp-blocked") return false;
  const hard = (k: NatKind): boolean => k === "edm";
  const apdf = (k: NatKind): boolean => k === "edm" || k === "eim";
  return !((hard(x) && apdf(y)) || (hard(y) && apdf(x)));
}

async function mapping(agent: NsAgent, socket: number): Promise<AgentEndpoint | undefined> {
  try {
    return (await agent.binding(socket, { host: lab.coordinator.host, port: lab.coordinator.udpPort }, { rtoMs: 200, rc: 3, rm: 4 })).mapped;
  } catch (e) {
    if (e instanceof AgentError && e.remoteName === "StunTimeoutError") return undefined;
    throw e;
  }
}

interface Side {
  readonly agent: NsAgent;
  readonly socket: number;
  readonly tag: string;
  readonly mapped: AgentEndpoint | undefined;
}

async function side(key: string, tag: string): Promise<Side> {
  const h = hosts.get(key);
  assert.ok(h);
  const { socket } = await h.agent.open();
  return { agent: h.agent, socket, tag, mapped: await mapping(h.agent, socket) };
}

/** Whether `me` heard `peer`; answers every source it heard from, as a WireGuard responder would. */
async function heardAndAnswer(me: Side, peer: Side): Promise<boolean> {
  const got = (await me.agent.received(me.socket)).filter((d) => d.text.startsWith(peer.tag));
  for (const d of new Map(got.map((g) => [`${g.address}:${g.port}`, g])).values()) await me.agent.send(me.socket, d.address, d.port, `${me.tag}-answer`);
  return got.length > 0;
}

describe("direct reachability by hole punching, every pair of NAT kinds", { concurrency: true }, () => {
  before(async () => {
    lab = await NatLab.create();
    await Promise.all(
      NAT_KINDS.flatMap((nat) =>
        [1, 2].map(async (n) => {
          const host = await (await lab.addSite(`${nat}-${n}`, { nat })).addHost(`h-${nat}-${n}`);
          hosts.set(`${nat}-${n}`, { host, agent: lab.agent(host) });
        }),
      ),
    );
  });
  after(() => lab?.close());

  for (const [i, x] of NAT_KINDS.entries()) {
    for (const y of NAT_KINDS.slice(i)) {
      const direct = expectedDirect(x, y);
      test(`${x} ↔ ${y}: ${direct ? "direct" : "no direct path"}`, async () => {
        const a = await side(`${x}-1`, `a:${x}-${y}`);
        const b = await side(`${y}-2`, `b:${x}-${y}`);
        for (let round = 0; round < 5; round++) {
          if (b.mapped) await a.agent.send(a.socket, b.mapped.address, b.mapped.port, `${a.tag}-${round}`);
          if (a.mapped) await b.agent.send(b.socket, a.mapped.address, a.mapped.port, `${b.tag}-${round}`);
          await sleep(100);
        }
        const [aHeard, bHeard] = await Promise.all([heardAndAnswer(a, b), heardAndAnswer(b, a)]);
        await sleep(500);
        const [aHeard2, bHeard2] = await Promise.all([heardAndAnswer(a, b), heardAndAnswer(b, a)]);
        const both = (aHeard || aHeard2) && (bHeard || bHeard2);
        assert.equal(both, direct, `a heard b: ${String(aHeard || aHeard2)}, b heard a: ${String(bHeard || bHeard2)}; mappings ${JSON.stringify([a.mapped, b.mapped])}`);
      });
    }
  }
});
