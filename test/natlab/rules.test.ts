// Every router option combination the lab accepts is a ruleset the real nft loads (checked with
// `nft -c` in a throwaway namespace, so a combination no other test builds cannot rot), and the
// combinations it refuses are refused before anything is built.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Lab, type Netns } from "../support/netns.js";
import { NAT_KINDS, routerRules, siteAddressing } from "../support/natlab/index.js";

let lab: Lab;
let ns: Netns;

before(async () => {
  lab = await Lab.create();
  ns = await lab.netns("rules");
});
after(() => lab?.close());

const combos = NAT_KINDS.flatMap((nat) =>
  [false, true].flatMap((upnp) => [false, true].flatMap((hairpin) => [{ nat, upnp, hairpin }])),
).filter((c) => !(c.upnp && c.nat === "none") && !(c.hairpin && c.nat !== "eim" && c.nat !== "fullcone"));

test("every accepted router configuration loads in nft", async () => {
  assert.equal(combos.length, 13); // none 1, eim 4, edm 2, fullcone 4, udp-blocked 2
  for (const c of combos) {
    const text = routerRules({ ...c, wanIf: "wan0", lanIf: "lan0", addressing: siteAddressing(3, c.nat === "none") });
    const file = join(lab.dir, `${c.nat}-${String(c.upnp)}-${String(c.hairpin)}.nft`);
    writeFileSync(file, text);
    const r = await ns.exec("nft", ["-c", "-f", file], { allowFailure: true });
    assert.equal(r.code, 0, `${JSON.stringify(c)}: ${r.stderr}\n${text}`);
  }
});

test("hairpin is refused on routers it is not built for", () => {
  for (const nat of ["none", "edm", "udp-blocked"] as const) {
    assert.throws(() => routerRules({ nat, upnp: false, hairpin: true, wanIf: "w", lanIf: "l", addressing: siteAddressing(1, nat === "none") }), /hairpin/);
  }
});
