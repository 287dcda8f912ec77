// A laptop roams from one LAN to another while a 20 ms ping stream flows
// through the tunnel to a home server behind its own NAT (no Endpoint
// configured anywhere): the stream must recover on a direct path. The gap is
// printed here and measured properly by `npm run bench:connect`.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { NatLab } from "../support/natlab/index.js";
import { sleep } from "../support/netns.js";
import { CoordinatedPlugd, pingStream, timeToFirstPing } from "../support/coordinated.js";

let lab: NatLab;
before(async () => {
  lab = await NatLab.create();
});
after(() => lab?.close());

test("a roam from one LAN to another while traffic flows recovers on a direct path", async () => {
  const homeSite = await lab.addSite("home", { nat: "eim" });
  const wifi = await lab.addSite("wifi", { nat: "eim" });
  const hotspot = await lab.addSite("hotspot", { nat: "fullcone" });
  const server = await homeSite.addHost("srv");
  const laptop = await wifi.addHost("lap");
  const ks = await lab.lab.genKeyPair();
  const kl = await lab.lab.genKeyPair();
  const s = await CoordinatedPlugd.start(lab, server, { tag: "rs", keys: ks, tunnelAddress: "10.95.0.1", peers: [{ keys: kl, tunnelAddress: "10.95.0.2" }] });
  const l = await CoordinatedPlugd.start(lab, laptop, { tag: "rl", keys: kl, tunnelAddress: "10.95.0.2", peers: [{ keys: ks, tunnelAddress: "10.95.0.1" }] });
  await timeToFirstPing(laptop, "10.95.0.1", 15_000);
  const before = await l.waitForPath(ks.publicKey, ["direct"]);

  const stream = pingStream(lab, laptop, "10.95.0.1", 20);
  await sleep(1_500);
  const roamAt = Date.now();
  await laptop.moveTo(hotspot);
  await sleep(5_000);
  const r = await stream.stop();

  const afterRoam = r.times.filter((t) => t > roamAt);
  assert.ok(afterRoam.length > 50, `the stream recovered after the roam (${afterRoam.length} replies after it)`);
  const after = await l.waitForPath(ks.publicKey, ["direct"]);
  const serverSide = await s.waitForPath(kl.publicKey, ["direct"]);
  assert.notEqual(after.endpoint, null);
  assert.notEqual(serverSide.endpoint, before.endpoint === null ? "" : "unchanged", "server learned a path");
  assert.equal(serverSide.endpoint?.split(":")[0], hotspot.publicAddress, `server reaches the laptop through the hotspot: ${JSON.stringify(serverSide)}`);
  process.stdout.write(`# roam wifi → hotspot: longest gap ${r.longestGapMs} ms in ${r.replies} replies\n`);
  await l.stop();
  await s.stop();
});
