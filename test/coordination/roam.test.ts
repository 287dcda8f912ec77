// A laptop roams from one LAN to another while a 20 ms ping stream flows
// through the tunnel to a home server behind its own NAT (no Endpoint
// configured anywhere): the stream must recover on a direct path. The gap is
// printed here and measured properly by `npm run bench:connect`.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { NatLab } from "../support/natlab/index.js";
import { sleep, waitFor } from "../support/netns.js";
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

test("roaming onto a symmetric NAT falls back to the relay, and the next roam upgrades to a direct path again", async () => {
  const homeSite = await lab.addSite("home2", { nat: "eim" });
  const office = await lab.addSite("office", { nat: "eim" });
  const carrier = await lab.addSite("carrier", { nat: "edm" });
  const cafe = await lab.addSite("cafe", { nat: "fullcone" });
  const server = await homeSite.addHost("srv2");
  const laptop = await office.addHost("lap2");
  const ks = await lab.lab.genKeyPair();
  const kl = await lab.lab.genKeyPair();
  const s = await CoordinatedPlugd.start(lab, server, { tag: "us", keys: ks, tunnelAddress: "10.93.0.1", peers: [{ keys: kl, tunnelAddress: "10.93.0.2" }] });
  const l = await CoordinatedPlugd.start(lab, laptop, { tag: "ul", keys: kl, tunnelAddress: "10.93.0.2", peers: [{ keys: ks, tunnelAddress: "10.93.0.1" }] });
  await timeToFirstPing(laptop, "10.93.0.1", 15_000);
  await l.waitForPath(ks.publicKey, ["direct"]);

  const stream = pingStream(lab, laptop, "10.93.0.1", 20);
  await laptop.moveTo(carrier);
  await l.waitForPath(ks.publicKey, ["relay-udp"]);
  // Once the laptop has measured its new NAT, status names the reason.
  await waitFor("the relay's reason", async () => {
    const p = await l.peer(ks.publicKey);
    return p.path === "relay-udp" && /endpoint-dependent/.test(p.reason ?? "") ? p : undefined;
  }, 15_000, 250).catch(async (err: unknown) => {
    throw new Error(`${String(err)}: ${JSON.stringify(await l.status())}\n${l.daemon.output.slice(-3000)}`);
  });
  await s.waitForPath(kl.publicKey, ["relay-udp"]);
  await sleep(1_000);
  const upgradeAt = Date.now();
  await laptop.moveTo(cafe);
  await l.waitForPath(ks.publicKey, ["direct"]);
  const serverSide = await s.waitForPath(kl.publicKey, ["direct"]);
  assert.equal(serverSide.endpoint?.split(":")[0], cafe.publicAddress);
  await sleep(1_000);
  const r = await stream.stop();
  assert.ok(r.times.some((t) => t > upgradeAt + 500), "traffic flows after the upgrade");
  process.stdout.write(`# office → carrier (relay) → café (direct): longest gap ${r.longestGapMs} ms in ${r.replies} replies\n`);
  await l.stop();
  await s.stop();
});
