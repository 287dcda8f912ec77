// WireGuardDevice's I/O edge with a real TUN and real UDP sockets, driven by
// a fault-injecting fake core: a throwing core is a fault the real DeviceCore
// cannot be made to produce on demand, and the timer contract is easiest to
// see with a core whose deadlines the test chooses.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { performance } from "node:perf_hooks";
import { openTun } from "@plug/tun";
import { DeviceError, EADDRINUSE, silentLogger, WireGuardDevice, type CoreFactory, type CorePort } from "@plug/wireguard";

/** Fake core: records inputs, throws when told to, and reports the deadlines the test sets. */
class FaultInjectingFakeCore implements CorePort {
  throwOnDatagram = false;
  datagrams = 0;
  ticks = 0;
  deadline: number | null = null;
  readonly stats = {};
  getPrivateKey = (): null => null;
  setPrivateKey(): void {}
  hasPeer = (): boolean => false;
  ensurePeer = (): boolean => true;
  removePeer(): void {}
  removeAllPeers(): void {}
  setPeerPresharedKey(): void {}
  setPeerEndpoint(): void {}
  setPeerPersistentKeepalive(): void {}
  nudgePeer(): void {}
  clearPeerAllowedIps(): void {}
  addPeerAllowedIp(): void {}
  removePeerAllowedIp(): void {}
  peers = (): [] => [];
  setMtu(): void {}
  clearSourceCaches(): void {}
  up(): void {}
  down(): void {}
  handleDatagram(): void {
    this.datagrams++;
    if (this.throwOnDatagram) throw new Error("injected core fault");
  }
  handleTunPackets(): void {}
  nextDeadline = (): number | null => this.deadline;
  tick(): void {
    this.ticks++;
    this.deadline = null;
  }
}

async function waitFor(what: string, cond: () => boolean): Promise<void> {
  const end = Date.now() + 10_000;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function sendTo(port: number, payload: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = createSocket("udp4");
    s.send(payload, port, "127.0.0.1", (err) => {
      s.close();
      if (err) reject(err);
      else resolve();
    });
  });
}

const devices: WireGuardDevice[] = [];
after(async () => {
  for (const d of devices) await d.close();
});

async function openDevice(core: FaultInjectingFakeCore, suffix: string): Promise<WireGuardDevice> {
  const factory: CoreFactory = () => core;
  const device = await WireGuardDevice.open({ tun: openTun(`pdvD${suffix}${process.pid % 10000}`), log: silentLogger, mtu: 1420, createCore: factory });
  devices.push(device);
  return device;
}

describe("WireGuardDevice I/O edge", () => {
  it("contains a core that throws on a datagram and keeps receiving", async () => {
    const core = new FaultInjectingFakeCore();
    core.throwOnDatagram = true;
    const device = await openDevice(core, "a");
    const port = device.snapshot().listenPort;
    assert.ok(port > 0, "a random port is bound and reported");
    await sendTo(port, "first");
    await waitFor("the first datagram", () => device.ioStats.coreExceptions === 1);
    core.throwOnDatagram = false;
    await sendTo(port, "second");
    await waitFor("the second datagram", () => core.datagrams === 2);
    assert.equal(device.ioStats.coreExceptions, 1);
  });

  it("calls tick once the core's deadline is due", async () => {
    const core = new FaultInjectingFakeCore();
    const device = await openDevice(core, "b");
    core.deadline = performance.now() + 30;
    device.setMtu(1420); // any config call makes the device re-read nextDeadline()
    await waitFor("the tick", () => core.ticks === 1);
  });

  it("keeps its port when a new one is taken (EADDRINUSE)", async () => {
    const device = await openDevice(new FaultInjectingFakeCore(), "c");
    const holder = createSocket({ type: "udp6", ipv6Only: false });
    await new Promise<void>((resolve) => holder.bind(0, resolve));
    try {
      const before = device.snapshot().listenPort;
      await assert.rejects(device.setListenPort(holder.address().port), (err: unknown) => err instanceof DeviceError && err.errno === EADDRINUSE);
      assert.equal(device.snapshot().listenPort, before);
      await device.setListenPort(0);
      assert.notEqual(device.snapshot().listenPort, before, "port 0 rebinds to a new random port");
    } finally {
      holder.close();
    }
  });
});
