// The TUN addon against the real kernel: each device is created by this
// process, moved into a namespace of our own and configured there, so the
// fd keeps working while all traffic stays inside the namespace.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, openSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { getMtu, openTun, openTunFd, setLinkUp, setMtu, TunError, type LinuxTunDevice } from "../src/index.js";
import { Netns, uniqueName, waitFor } from "./support/netns.js";
import { createHash } from "node:crypto";
import {
  icmpEcho,
  ipv4,
  parseIpv4,
  parseTcp,
  parseUdp,
  PROTO_ICMP,
  PROTO_TCP,
  PROTO_UDP,
  TCP_ACK,
  TCP_FIN,
  TCP_PSH,
  TCP_SYN,
  parseTcpIpv6,
  tcpChecksumOk,
  tcpIpv4,
  tcpIpv6,
} from "./support/ipv4.js";

const LOCAL = "10.77.0.1";
const PEER = "10.77.0.2";
const PORT = 9999;

const fixture = (file: string): string => fileURLToPath(new URL(`./fixtures/${file}`, import.meta.url));

/** Runs a fixture under tsx, optionally wrapped (unshare/setpriv); resolves with its exit code and stdout. */
function runFixture(
  wrapper: readonly string[],
  file: string,
  arg: string,
  inheritFd?: number,
): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const argv = [...wrapper, process.execPath, "--import", "tsx", fixture(file), arg];
    const stdio: Array<"ignore" | "pipe" | "inherit" | number> = ["ignore", "pipe", "inherit"];
    if (inheritFd !== undefined) stdio.push(inheritFd);
    const child = spawn(argv[0] ?? "", argv.slice(1), { stdio });
    let stdout = "";
    child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code, stdout }));
  });
}

/** UDP datagrams toward PEER:PORT among the packets read, as their payload text. */
function udpPayloads(packets: readonly Buffer[]): string[] {
  const out: string[] = [];
  for (const p of packets) {
    const ip = parseIpv4(p);
    if (ip === null || ip.protocol !== PROTO_UDP || ip.destination !== PEER) continue;
    const udp = parseUdp(ip.payload);
    if (udp !== null && udp.destinationPort === PORT) out.push(udp.data.toString());
  }
  return out;
}

describe("TUN device in a namespace", { timeout: 20_000 }, () => {
  let ns: Netns;
  const open: LinuxTunDevice[] = [];

  before(() => {
    ns = new Netns();
  });
  after(() => {
    for (const d of open) d.close();
    ns.destroy();
  });

  // One device at a time: they all take the same address, and the route
  // must lead to the device under test.
  function device(): LinuxTunDevice {
    for (const d of open) d.close();
    const d = openTun(uniqueName());
    open.push(d);
    ns.adopt(d.name, `${LOCAL}/24`);
    return d;
  }

  it("reads a UDP datagram and a ping sent toward a routed address as raw IPv4 packets", async () => {
    const tun = device();
    const received: Buffer[] = [];
    tun.onPackets((packets) => received.push(...packets));
    const marker = `plug-${randomBytes(4).toString("hex")}`;
    ns.exec(["bash", "-c", `printf %s ${marker} > /dev/udp/${PEER}/${PORT}`]);
    ns.execBlocking(["ping", "-c", "1", "-W", "1", PEER]);
    await waitFor(() => received.some((p) => parseIpv4(p)?.protocol === PROTO_ICMP));
    await waitFor(() => udpPayloads(received).length > 0);

    assert.deepEqual(udpPayloads(received), [marker]);
    const udp = received.map(parseIpv4).find((p) => p?.protocol === PROTO_UDP && p.destination === PEER);
    assert.equal(udp?.source, LOCAL, "no packet-information header: byte 0 is the IP version");
    const ping = received.map(parseIpv4).find((p) => p?.protocol === PROTO_ICMP);
    assert.equal(ping?.destination, PEER);
    assert.equal(ping?.payload[0], 8, "ICMP echo request");
  });

  it("writes an ICMP echo request and reads the kernel's echo reply", async () => {
    const tun = device();
    const received: Buffer[] = [];
    tun.onPackets((packets) => received.push(...packets));
    const data = randomBytes(24);
    const request = ipv4(PROTO_ICMP, PEER, LOCAL, icmpEcho(8, 0x1234, 7, data));

    assert.equal(tun.write([request]), 1);
    await waitFor(() => received.some((p) => parseIpv4(p)?.protocol === PROTO_ICMP));

    const reply = received.map(parseIpv4).find((p) => p?.protocol === PROTO_ICMP);
    assert.ok(reply);
    assert.equal(reply.source, LOCAL);
    assert.equal(reply.destination, PEER);
    assert.deepEqual(reply.payload, icmpEcho(0, 0x1234, 7, data));
    assert.equal(tun.stats().txPackets, 1);
  });

  it("readNow hands over the kernel's answer to a write in the same turn, and does nothing once closed", () => {
    const tun = device();
    const received: Buffer[] = [];
    tun.onPackets((packets) => received.push(...packets));
    const data = randomBytes(24);
    assert.equal(tun.write([ipv4(PROTO_ICMP, PEER, LOCAL, icmpEcho(8, 0x4321, 9, data))]), 1);
    // The kernel answered inside write(): no event-loop turn between the write and the read.
    tun.readNow();
    const reply = received.map(parseIpv4).find((p) => p?.protocol === PROTO_ICMP);
    assert.ok(reply, `no echo reply delivered synchronously (got ${received.length} packets)`);
    assert.deepEqual(reply.payload, icmpEcho(0, 0x4321, 9, data));
    const before = received.length;
    tun.close();
    tun.readNow();
    assert.equal(received.length, before);
  });

  it("drains a backlog in batches of at most 128 packets", async () => {
    const tun = device();
    const batches: number[] = [];
    const payloads: string[] = [];
    tun.onPackets((packets) => {
      const ours = udpPayloads(packets);
      if (ours.length > 0) batches.push(ours.length);
      payloads.push(...ours);
      assert.ok(packets.length <= 128);
    });
    // spawnSync blocks this event loop, so all 300 datagrams queue up in the
    // kernel (tun queue: 500) before the poll gets a chance to fire.
    ns.execBlocking(["bash", "-c", `for i in $(seq 1 300); do printf %s $i > /dev/udp/${PEER}/${PORT}; done`]);
    await waitFor(() => payloads.length >= 300);

    assert.deepEqual(payloads, Array.from({ length: 300 }, (_, i) => String(i + 1)));
    assert.ok(batches.length <= 4, `300 queued packets came in ${batches.length} callbacks`);
    assert.equal(Math.max(...batches), 128);
  });

  it("writes a run of TCP segments of one flow as one GSO packet that the kernel's TCP accepts byte for byte", async () => {
    const tun = device();
    const port = 9100;
    // A real TCP listener in the namespace; this test is the client at PEER, packet by packet.
    const server = spawn("ip", [
      "netns",
      "exec",
      ns.name,
      process.execPath,
      "-e",
      `const h = require("node:crypto").createHash("sha256"); let n = 0;
       const srv = require("node:net").createServer((s) => {
         s.on("data", (d) => { h.update(d); n += d.length; });
         s.on("end", () => { process.stdout.write(JSON.stringify({ n, sha: h.digest("hex") }) + "\\n"); process.exit(0); });
       });
       srv.listen(${port}, "${LOCAL}", () => process.stdout.write("listening\\n"));`,
    ]);
    let out = "";
    server.stdout.on("data", (d: Buffer) => (out += d.toString()));
    try {
      await waitFor(() => out.includes("listening"));
      const segments: ReturnType<typeof parseTcp>[] = [];
      tun.onPackets((packets) => {
        for (const p of packets) {
          const ip = parseIpv4(p);
          if (ip?.protocol === PROTO_TCP && ip.destination === PEER) segments.push(parseTcp(ip.payload));
        }
      });
      const client = { sourcePort: 40000, destinationPort: port };
      const isn = 1_000_000;
      assert.equal(tun.write([tcpIpv4(PEER, LOCAL, { ...client, seq: isn, ack: 0, flags: TCP_SYN })]), 1);
      await waitFor(() => segments.some((t) => t !== null && (t.flags & TCP_SYN) !== 0));
      const synAck = segments.find((t) => t !== null && (t.flags & TCP_SYN) !== 0);
      assert.ok(synAck && synAck.ack === isn + 1, "SYN-ACK for our SYN");
      const ack = synAck.seq + 1;
      // 40 segments of 1000 bytes (PSH on the last), between a pure ACK and a FIN: neither of
      // those can join a run, the 40 can.
      const body = randomBytes(40_000);
      const batch = [tcpIpv4(PEER, LOCAL, { ...client, seq: isn + 1, ack, flags: TCP_ACK })];
      for (let i = 0; i < 40; i++) {
        const flags = TCP_ACK | (i === 39 ? TCP_PSH : 0);
        batch.push(tcpIpv4(PEER, LOCAL, { ...client, seq: isn + 1 + i * 1000, ack, flags, data: body.subarray(i * 1000, (i + 1) * 1000) }));
      }
      batch.push(tcpIpv4(PEER, LOCAL, { ...client, seq: isn + 1 + 40_000, ack, flags: TCP_FIN | TCP_ACK }));
      assert.equal(tun.write(batch), 42);
      await waitFor(() => out.includes("sha"));
      const result = JSON.parse(out.slice(out.indexOf("{"))) as { n: number; sha: string };
      assert.deepEqual(result, { n: 40_000, sha: createHash("sha256").update(body).digest("hex") });
      const stats = tun.stats();
      assert.equal(stats.txCoalesced, 1, "the 40 data segments went out as one write");
      assert.equal(stats.txCoalescedSegments, 40);
      assert.equal(stats.txPackets, 43);
      // The kernel acknowledged everything, FIN included.
      await waitFor(() => segments.some((t) => t !== null && t.ack === isn + 1 + 40_000 + 1));
    } finally {
      server.kill();
    }
  });

  it("a coalesced run that the kernel forwards leaves as the original segments with correct checksums", async () => {
    const tun = device();
    // A second TUN without offloads (no TSO) behind a route: the kernel must cut the GSO packet up and
    // complete every segment's checksum from the partial one the addon wrote.
    const out = openTun(uniqueName(), { tso: false });
    open.push(out);
    ns.adopt(out.name, "10.79.0.1/24");
    ns.exec(["sysctl", "-q", "-w", "net.ipv4.ip_forward=1"]);
    const far = "10.79.0.2";
    const forwarded: Buffer[] = [];
    out.onPackets((packets) => {
      for (const p of packets) if (parseIpv4(p)?.protocol === PROTO_TCP) forwarded.push(Buffer.from(p));
    });
    const flow = { sourcePort: 40001, destinationPort: 9200 };
    const body = randomBytes(20 * 1200 + 500);
    const batch: Buffer[] = [];
    for (let i = 0; i * 1200 < body.length; i++) {
      const data = body.subarray(i * 1200, Math.min(body.length, (i + 1) * 1200));
      batch.push(tcpIpv4(PEER, far, { ...flow, seq: 5000 + i * 1200, ack: 77, flags: TCP_ACK, data }));
    }
    assert.equal(tun.write(batch), 21);
    assert.equal(tun.stats().txCoalesced, 1);
    await waitFor(() => forwarded.length >= 21);
    const expected = batch.map((p) => parseTcp(parseIpv4(p)?.payload ?? Buffer.alloc(0)));
    for (const [i, p] of forwarded.entries()) {
      const ip = parseIpv4(p);
      assert.ok(ip !== null);
      assert.equal(tcpChecksumOk(ip.source, ip.destination, ip.payload), true, `segment ${i}: TCP checksum`);
      assert.equal(p[8], 63, "TTL decremented once: forwarded, not delivered");
      const t = parseTcp(ip.payload);
      assert.deepEqual(
        t && { seq: t.seq, ack: t.ack, data: t.data.toString("hex") },
        expected[i] && { seq: expected[i].seq, ack: expected[i].ack, data: expected[i].data.toString("hex") },
      );
    }
    assert.equal(forwarded.length, 21);
  });

  it("the same for IPv6: a forwarded coalesced run comes out as the original segments, checksums right", async () => {
    const tun = device();
    ns.ip(["-6", "addr", "add", "fd77::1/64", "dev", tun.name, "nodad"]);
    const out = openTun(uniqueName(), { tso: false });
    open.push(out);
    ns.adopt(out.name, "10.79.0.1/24");
    ns.ip(["-6", "addr", "add", "fd79::1/64", "dev", out.name, "nodad"]);
    ns.exec(["sysctl", "-q", "-w", "net.ipv6.conf.all.forwarding=1"]);
    const forwarded: Buffer[] = [];
    out.onPackets((packets) => {
      for (const p of packets) if (parseTcpIpv6(p) !== null) forwarded.push(Buffer.from(p));
    });
    const flow = { sourcePort: 40002, destinationPort: 9300 };
    const body = randomBytes(10 * 1000 + 1);
    const batch: Buffer[] = [];
    for (let i = 0; i * 1000 < body.length; i++) {
      const data = body.subarray(i * 1000, Math.min(body.length, (i + 1) * 1000));
      batch.push(tcpIpv6("fd77::2", "fd79::2", { ...flow, seq: 9000 + i * 1000, ack: 5, flags: TCP_ACK, data }));
    }
    assert.equal(tun.write(batch), 11);
    assert.equal(tun.stats().txCoalesced, 1);
    await waitFor(() => forwarded.length >= 11);
    for (const [i, p] of forwarded.entries()) {
      const got = parseTcpIpv6(p);
      const want = parseTcpIpv6(batch[i] ?? Buffer.alloc(0));
      assert.equal(got?.checksumOk, true, `segment ${i}: TCP checksum`);
      assert.equal(got?.hopLimit, 63);
      assert.deepEqual(
        got?.tcp && { seq: got.tcp.seq, data: got.tcp.data.toString("hex") },
        want?.tcp && { seq: want.tcp.seq, data: want.tcp.data.toString("hex") },
      );
    }
    assert.equal(forwarded.length, 11);
  });

  it("reads what the kernel's TCP sends as super-packets (TSO) as ordinary segments with correct checksums", async () => {
    const tun = device();
    const port = 9400;
    // 300,000 bytes both sides derive from one seed: blocks of sha256(seed, i).
    const seed = randomBytes(8).toString("hex");
    const derive = `(s) => Buffer.concat(Array.from({ length: 9375 }, (_, i) => require("node:crypto").createHash("sha256").update(s + ":" + i).digest()))`;
    const body = Buffer.concat(Array.from({ length: 9375 }, (_, i) => createHash("sha256").update(`${seed}:${i}`).digest()));
    // A real TCP sender in the namespace; this test is the receiver at PEER, packet by packet.
    const sender = spawn("ip", [
      "netns",
      "exec",
      ns.name,
      process.execPath,
      "-e",
      `const c = require("node:net").connect(${port}, "${PEER}", () => c.end((${derive})("${seed}")));
       c.on("error", () => {}); c.resume();`,
    ]);
    try {
      const server = { sourcePort: port, destinationPort: 0 };
      const isn = 7_000_000;
      let clientIsn = -1;
      let next = -1; // next byte (sequence number) expected from the sender
      let finished = false;
      let badChecksums = 0;
      const received: Buffer[] = [];
      tun.onPackets((packets) => {
        const replies: Buffer[] = [];
        for (const p of packets) {
          const ip = parseIpv4(p);
          if (ip?.protocol !== PROTO_TCP || ip.destination !== PEER) continue;
          if (!tcpChecksumOk(ip.source, ip.destination, ip.payload)) {
            badChecksums++;
            continue;
          }
          const t = parseTcp(ip.payload);
          if (t === null || t.destinationPort !== port) continue;
          if ((t.flags & TCP_SYN) !== 0) {
            clientIsn = t.seq;
            next = (t.seq + 1) >>> 0;
            server.destinationPort = t.sourcePort;
            replies.push(tcpIpv4(PEER, LOCAL, { ...server, seq: isn, ack: next, flags: TCP_SYN | TCP_ACK }));
            continue;
          }
          if (t.seq === next && t.data.length > 0) {
            received.push(Buffer.from(t.data));
            next = (next + t.data.length) >>> 0;
          }
          if (t.seq === next && (t.flags & TCP_FIN) !== 0) {
            next = (next + 1) >>> 0;
            finished = true;
          }
        }
        if (next !== -1 && clientIsn !== -1) replies.push(tcpIpv4(PEER, LOCAL, { ...server, seq: isn + 1, ack: next, flags: TCP_ACK }));
        tun.write(replies);
      });
      await waitFor(() => finished);
      assert.equal(badChecksums, 0);
      assert.equal(Buffer.concat(received).equals(body), true, "every byte, in order");
      const stats = tun.stats();
      assert.ok(stats.rxSuperPackets > 0, "the kernel handed over super-packets");
      assert.ok(stats.rxSegmented > stats.rxSuperPackets, "each cut into several segments");
      assert.equal(stats.rxDroppedMalformed, 0);
    } finally {
      sender.kill();
    }
  });

  it("drops and counts a frame the kernel refuses, and keeps writing", async () => {
    const tun = device();
    const garbage = new Uint8Array([0x12, 0x34, 0x56]);
    const request = ipv4(PROTO_ICMP, PEER, LOCAL, icmpEcho(8, 1, 1, new Uint8Array(8)));
    assert.equal(tun.write([garbage, request]), 1);
    assert.equal(tun.stats().txDroppedError, 1);
    assert.equal(tun.stats().txPackets, 1);
  });

  it("reports EBADFD through onError when the interface is deleted", async () => {
    const tun = device();
    const errors: Error[] = [];
    tun.onPackets(() => undefined);
    tun.onError((err) => errors.push(err));
    ns.ip(["link", "del", tun.name]);
    await waitFor(() => errors.length > 0);
    assert.equal(errors.length, 1);
    assert.ok(errors[0] instanceof TunError);
    assert.equal((errors[0] as TunError).code, "EBADFD");
    tun.close();
    assert.equal(tun.write([new Uint8Array(20)]), 0, "writes after close never reach a reused fd");
  });

  it("can be closed from inside its packet handler", async () => {
    const tun = device();
    let calls = 0;
    tun.onPackets(() => {
      calls++;
      tun.close();
    });
    ns.execBlocking(["bash", "-c", `for i in 1 2 3; do printf x > /dev/udp/${PEER}/${PORT}; done`]);
    await waitFor(() => calls > 0);
    // The native side must notice the close it returns into, and not touch
    // the freed poll state or call again.
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    assert.equal(calls, 1);
    assert.equal(tun.closed, true);
    assert.equal(ns.hasLink(tun.name), false, "the kernel removed the closed device");
  });

  it("sets the MTU and brings the link up through ioctl", () => {
    const tun = openTun(uniqueName());
    try {
      setMtu(tun.name, 1380);
      assert.equal(getMtu(tun.name), 1380);
      assert.equal(readFileSync(`/sys/class/net/${tun.name}/mtu`, "utf8").trim(), "1380");
      const IFF_UP = 0x1;
      assert.equal(Number(readFileSync(`/sys/class/net/${tun.name}/flags`, "utf8")) & IFF_UP, 0);
      setLinkUp(tun.name);
      assert.equal(Number(readFileSync(`/sys/class/net/${tun.name}/flags`, "utf8")) & IFF_UP, IFF_UP);
      assert.throws(() => setMtu(tun.name, 10), (err: unknown) => err instanceof TunError && err.code === "EINVAL");
    } finally {
      tun.close();
    }
  });
});

describe("TUN lifecycle", { timeout: 20_000 }, () => {
  it("lets the process exit by itself after close()", async () => {
    const name = uniqueName();
    const { code, stdout } = await runFixture([], "open-and-close.ts", name);
    assert.equal(code, 0);
    const result = JSON.parse(stdout) as { name: string; closed: boolean; written: number; stats: { txDroppedError: number } };
    assert.equal(result.name, name);
    assert.equal(result.closed, true);
    assert.equal(result.written, 0);
    assert.equal(result.stats.txDroppedError, 1);
  });

  it("takes over an inherited TUN fd (WG_TUN_FD pattern)", async () => {
    const tun = openTun(uniqueName());
    try {
      const { code, stdout } = await runFixture([], "adopt-fd.ts", "", tun.fd);
      assert.equal(code, 0);
      assert.deepEqual(JSON.parse(stdout), { name: tun.name });
    } finally {
      tun.close();
    }
  });

  it("refuses to take over an fd that is not a TUN device", () => {
    const fd = openSync("/dev/null", "r");
    try {
      assert.throws(() => openTunFd(fd), (err: unknown) => err instanceof TunError && /not an attached TUN device/.test(err.message));
    } finally {
      closeSync(fd);
    }
  });

  it("removes the interface when closed", () => {
    const tun = openTun(uniqueName());
    assert.match(execFileSync("ip", ["link", "show", "dev", tun.name], { encoding: "utf8" }), new RegExp(tun.name));
    tun.close();
    assert.throws(() => execFileSync("ip", ["link", "show", "dev", tun.name], { stdio: "ignore" }));
  });
});

describe("TUN open errors", { timeout: 20_000 }, () => {
  it("rejects a name longer than 15 bytes before touching the kernel", () => {
    assert.throws(() => openTun("ptn-name-too-long0"), (err: unknown) => {
      assert.ok(err instanceof TunError);
      assert.equal(err.code, "ENAMETOOLONG");
      assert.match(err.message, /at most 15/);
      return true;
    });
  });

  it("rejects names the kernel would refuse", () => {
    for (const bad of ["", "a/b", "a b", ".."]) {
      assert.throws(() => openTun(bad), (err: unknown) => err instanceof TunError && err.code === "EINVAL");
    }
  });

  it("says the name is in use when another fd holds the device", () => {
    const first = openTun(uniqueName());
    try {
      // A second attach to a (non-multiqueue) device that is open is refused with EBUSY.
      assert.throws(() => openTun(first.name), (err: unknown) => {
        assert.ok(err instanceof TunError);
        assert.equal(err.code, "EBUSY");
        assert.match(err.message, /in use/);
        return true;
      });
    } finally {
      first.close();
    }
  });

  it("explains a missing /dev/net/tun", async () => {
    // A private mount namespace with an empty /dev/net: the real ENOENT.
    const { stdout } = await runFixture(
      ["unshare", "--mount", "--propagation", "private", "sh", "-c", 'mount -t tmpfs none /dev/net && exec "$@"', "sh"],
      "open-error.ts",
      uniqueName(),
    );
    const result = JSON.parse(stdout) as { isTunError: boolean; code: string; message: string };
    assert.equal(result.isTunError, true);
    assert.equal(result.code, "ENOENT");
    assert.match(result.message, /load the tun module or create the device node/);
  });

  it("explains missing privileges", async () => {
    const { stdout } = await runFixture(
      ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", "--bounding-set=-all"],
      "open-error.ts",
      uniqueName(),
    );
    const result = JSON.parse(stdout) as { isTunError: boolean; code: string; message: string };
    assert.equal(result.isTunError, true);
    // EACCES where /dev/net/tun is 0600, EPERM from TUNSETIFF where it is 0666.
    assert.match(result.code, /^(EPERM|EACCES)$/);
    assert.match(result.message, /needs root or CAP_NET_ADMIN/);
  });
});
