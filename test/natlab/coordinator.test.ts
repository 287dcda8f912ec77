// The lab's coordd: reachable on what lab.coordinator says (UDP STUN on both addresses, HTTP,
// the WebSocket upgrade from a UDP-blocked site), restartable with the same identity, and
// observable: a capture on the internet bridge holds every byte coordd exchanged.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { type Host, NatLab } from "../support/natlab/index.js";

let lab: NatLab;
let home: Host;
let blocked: Host;

describe("the lab's coordinator", () => {
  before(async () => {
    lab = await NatLab.create();
    home = await (await lab.addSite("home", { nat: "eim" })).addHost("a");
    blocked = await (await lab.addSite("office", { nat: "udp-blocked" })).addHost("b");
  });
  after(() => lab?.close());

  test("lab.coordinator describes a coordd answering on both addresses", async () => {
    const c = lab.coordinator;
    assert.equal(c.wsUrl, `ws://${c.host}:${c.httpPort}`);
    assert.equal(Buffer.from(c.publicKeyBase64, "base64").length, 32);
    const agent = lab.agent(home);
    const { socket } = await agent.open();
    const primary = await agent.binding(socket, { host: c.host, port: c.udpPort });
    assert.deepEqual(primary.otherAddress && { address: primary.otherAddress.address, port: primary.otherAddress.port }, { address: c.altHost, port: c.altUdpPort });
    const alt = await agent.binding(socket, { host: c.altHost, port: c.altUdpPort });
    assert.deepEqual({ address: alt.from.address, port: alt.from.port }, { address: c.altHost, port: c.altUdpPort });
    const metrics = await lab.httpGet(home.ns, `${c.httpUrl}/metrics`);
    assert.equal(metrics.ok, true);
  });

  test("the WebSocket endpoint upgrades from a site that blocks UDP", async () => {
    const url = `${lab.coordinator.wsUrl.replace(/^ws:/, "http:")}/v1/ws`;
    const key = randomBytes(16).toString("base64");
    // curl speaks only the handshake; it then waits on the open socket until --max-time.
    const r = await blocked.ns.exec(
      "curl",
      ["-sS", "-i", "-N", "--max-time", "2", "-H", "Connection: Upgrade", "-H", "Upgrade: websocket", "-H", "Sec-WebSocket-Version: 13", "-H", `Sec-WebSocket-Key: ${key}`, url],
      { allowFailure: true },
    );
    assert.match(r.stdout, /^HTTP\/1\.1 101 /m, `${r.stdout}\n${r.stderr}`);
  });

  test("a capture on the internet bridge holds what coordd saw, UDP and TCP", async () => {
    const marker = `natlab-${randomBytes(6).toString("hex")}`;
    const cap = await lab.capture();
    const agent = lab.agent(home);
    const { socket } = await agent.open();
    await agent.send(socket, lab.coordinator.host, lab.coordinator.udpPort, `${marker}-udp`);
    const stun = await agent.binding(socket, { host: lab.coordinator.host, port: lab.coordinator.udpPort });
    await lab.httpGet(blocked.ns, `${lab.coordinator.httpUrl}/healthz?${marker}-tcp`);
    const got = await cap.stop();
    assert.equal(got.contains(`${marker}-udp`), true, `${got.bytes.length} bytes\n${await got.text()}`);
    assert.equal(got.contains(`${marker}-tcp`), true, await got.text());
    assert.equal(got.contains(`${marker}-never-sent`), false);
    const sent = got.datagrams.find((d) => d.payload.toString() === `${marker}-udp`);
    assert.ok(sent, await got.text());
    // Seen from the internet: the NATed source, which is what STUN reported.
    assert.deepEqual({ src: sent.src, srcPort: sent.srcPort, dst: sent.dst, dstPort: sent.dstPort }, { src: stun.mapped.address, srcPort: stun.mapped.port, dst: lab.coordinator.host, dstPort: lab.coordinator.udpPort });
  });

  test("restartCoordinator: a new process, the same key, answering again", async () => {
    const prev = lab.coordinator;
    const oldPid = lab.coordd.process?.pid;
    assert.ok(oldPid);
    const next = await lab.restartCoordinator();
    const newPid = lab.coordd.process?.pid;
    assert.ok(newPid && newPid !== oldPid);
    assert.throws(() => process.kill(oldPid, 0), /ESRCH/);
    assert.deepEqual(next, prev);
    const agent = lab.agent(home);
    const { socket } = await agent.open();
    const r = await agent.binding(socket, { host: next.host, port: next.udpPort });
    assert.equal(r.mapped.address, home.site.publicAddress);
    assert.equal((await lab.httpGet(blocked.ns, `${next.httpUrl}/healthz`)).ok, true);
  });
});
