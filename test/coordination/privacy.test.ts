// What coordd sees: a capture of everything on the lab internet's bridge
// while a pair connects (and relays) must not contain either WireGuard public
// key, raw or base64. A third party that knows both public keys, configured
// with them as its peers, never gets paired with either side and changes
// nothing about their path.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { NatLab } from "../support/natlab/index.js";
import { sleep } from "../support/netns.js";
import { CoordinatedPlugd, timeToFirstPing } from "../support/coordinated.js";

let lab: NatLab;
before(async () => {
  lab = await NatLab.create();
});
after(() => lab?.close());

test("coordd never sees a WireGuard public key; a third party knowing both keys cannot join or redirect the pair", async () => {
  const sa = await lab.addSite("pa", { nat: "edm" });
  const sb = await lab.addSite("pb", { nat: "edm" });
  const sc = await lab.addSite("pc", { nat: "eim" });
  const ha = await sa.addHost("a");
  const hb = await sb.addHost("b");
  const hc = await sc.addHost("c");
  const ka = await lab.lab.genKeyPair();
  const kb = await lab.lab.genKeyPair();
  const kc = await lab.lab.genKeyPair();
  const cap = await lab.capture();
  const a = await CoordinatedPlugd.start(lab, ha, { tag: "pa", keys: ka, tunnelAddress: "10.94.0.1", peers: [{ keys: kb, tunnelAddress: "10.94.0.2" }] });
  const b = await CoordinatedPlugd.start(lab, hb, { tag: "pb", keys: kb, tunnelAddress: "10.94.0.2", peers: [{ keys: ka, tunnelAddress: "10.94.0.1" }] });
  // Two symmetric NATs: the pair ends on the relay, so the capture holds relayed WireGuard too.
  await timeToFirstPing(hb, "10.94.0.1", 15_000);
  await a.waitForPath(kb.publicKey, ["relay-udp"]);
  const c = await CoordinatedPlugd.start(lab, hc, {
    tag: "pc",
    keys: kc,
    tunnelAddress: "10.94.0.3",
    peers: [
      { keys: ka, tunnelAddress: "10.94.0.1" },
      { keys: kb, tunnelAddress: "10.94.0.2" },
    ],
  });
  const ping = await hb.ns.ping("10.94.0.1", { count: 10, intervalS: 0.1 });
  assert.equal(ping.received, 10, ping.output);
  await sleep(3_000);
  const result = await cap.stop();

  assert.ok(result.datagrams.length > 20, `the capture saw the coordination traffic (${result.datagrams.length} datagrams)`);
  for (const k of [ka, kb, kc]) {
    const raw = Buffer.from(k.publicKey, "base64");
    assert.equal(result.contains(raw), false, "a raw public key crossed coordd's network");
    assert.equal(result.contains(k.publicKey), false, "a base64 public key crossed coordd's network");
  }

  const cs = await c.status();
  assert.equal(cs.coordinator?.reachable, true, "the third party is registered with coordd");
  for (const p of cs.peers) assert.equal(p.path, "none", `the third party was never paired: ${JSON.stringify(p)}`);
  const pa = await a.peer(kb.publicKey);
  assert.equal(pa.path, "relay-udp");
  assert.equal((await a.status()).peers.length, 1);
  await Promise.all([a.stop(), b.stop(), c.stop()]);
});
