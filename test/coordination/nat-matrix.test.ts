// Every pair of NAT kinds ends on the best path the networks allow (issue 5,
// item 3): two plugd behind two lab routers, nothing configured but keys,
// allowed IPs and the lab's coordd; the path each side reports is asserted,
// and a ping must cross the tunnel.
//
//   direct     none / eim / fullcone in any combination, and edm with a peer
//              whose filtering lets the edm side's fresh mapping in (none, fullcone)
//   relay-udp  edm with edm (both mappings unpredictable, both filters closed)
//   relay-ws   whichever side sits behind the udp-blocked router
//   eim + edm  relay-udp, unless bounded port guessing hit the edm side's port
//              (probability ~256/64k): then direct, and status must show the
//              verified path that came from a guess or a reflexive address
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { NatLab, type NatKind, type Site } from "../support/natlab/index.js";
import { CoordinatedPlugd, timeToFirstPing } from "../support/coordinated.js";

const KINDS: readonly NatKind[] = ["none", "eim", "edm", "fullcone", "udp-blocked"];

function expectedPath(own: NatKind, other: NatKind): string[] {
  if (own === "udp-blocked") return ["relay-ws"];
  if (other === "udp-blocked") return ["relay-udp"];
  if (own === "edm" && other === "edm") return ["relay-udp"];
  if ((own === "edm" && other === "eim") || (own === "eim" && other === "edm")) return ["relay-udp", "direct"];
  return ["direct"];
}

describe("NAT matrix: plugd pairs end on the best path", () => {
  let lab: NatLab;
  const sites = new Map<string, Site>();
  const timings: string[] = [];

  before(async () => {
    lab = await NatLab.create();
    for (const kind of KINDS) {
      for (const side of ["a", "b"]) {
        const name = `${kind === "udp-blocked" ? "blk" : kind}-${side}`;
        sites.set(name, await lab.addSite(name, { nat: kind }));
      }
    }
  });
  after(async () => {
    if (timings.length > 0) process.stdout.write(`# first ping after the second plugd started:\n${timings.map((t) => `#   ${t}`).join("\n")}\n`);
    await lab?.close();
  });

  const site = (kind: NatKind, side: string): Site => {
    const s = sites.get(`${kind === "udp-blocked" ? "blk" : kind}-${side}`);
    assert.ok(s);
    return s;
  };

  let n = 0;
  for (let i = 0; i < KINDS.length; i++) {
    for (let j = i; j < KINDS.length; j++) {
      const ka = KINDS[i] as NatKind;
      const kb = KINDS[j] as NatKind;
      test(`${ka} ↔ ${kb}`, async () => {
        n++;
        const ha = await site(ka, "a").addHost(`m${n}a`);
        const hb = await site(kb, "b").addHost(`m${n}b`);
        const keysA = await lab.lab.genKeyPair();
        const keysB = await lab.lab.genKeyPair();
        const a = await CoordinatedPlugd.start(lab, ha, { tag: `m${n}a`, keys: keysA, tunnelAddress: "10.99.0.1", peers: [{ keys: keysB, tunnelAddress: "10.99.0.2" }] });
        const b = await CoordinatedPlugd.start(lab, hb, { tag: `m${n}b`, keys: keysB, tunnelAddress: "10.99.0.2", peers: [{ keys: keysA, tunnelAddress: "10.99.0.1" }] });
        try {
          const ms = await timeToFirstPing(hb, "10.99.0.1", 20_000).catch((err: unknown) => {
            throw new Error(`${String(err)}\n--- a:\n${a.daemon.output.slice(-3000)}\n--- b:\n${b.daemon.output.slice(-3000)}`);
          });
          const pa = await a.waitForPath(keysB.publicKey, expectedPath(ka, kb));
          const pb = await b.waitForPath(keysA.publicKey, expectedPath(kb, ka));
          timings.push(`${ka} ↔ ${kb}: ${ms} ms (${pa.path} / ${pb.path})`);
          for (const [p, own, other] of [[pa, ka, kb], [pb, kb, ka]] as const) {
            if (p.path === "direct" && expectedPath(own, other).length > 1) {
              assert.ok(
                p.verifiedPaths.some((v) => v.kind === "guess" || v.kind === "reflexive"),
                `eim/edm went direct without a guessed or reflexive path: ${JSON.stringify(p)}`,
              );
            }
            if (p.path.startsWith("relay")) assert.ok(p.reason !== undefined && p.reason.length > 0, "a relayed peer says why");
          }
          const r = await hb.ns.ping("10.99.0.1", { count: 5, intervalS: 0.1 });
          assert.equal(r.received, 5, `${r.output}\n--- a:\n${a.daemon.output.slice(-3000)}\n--- b:\n${b.daemon.output.slice(-3000)}`);
        } finally {
          await a.stop();
          await b.stop();
        }
      });
    }
  }
});
