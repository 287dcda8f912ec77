// Roaming: when A changes its listen port (loopback lab) or its address (veth lab, IPv4 and IPv6
// outside), B's `wg show endpoints` follows A's first authenticated packet and traffic continues.
// Unauthenticated input from a third address (garbage, a forged transport header, and real
// captured packets replayed) must never move the endpoint.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { test } from "node:test";
import { loopbackPair, sendUdp, sleep, VETH4, VETH6, vethPair, waitFor, type Side } from "../support/netns.js";
import { readPcapUdp } from "../support/pcap.js";
import { inLab, pairsUnderTest } from "../support/scenario.js";

const pairs = pairsUnderTest(["tcpdump", "sysctl"]);

async function pingAll(from: Side, to: string): Promise<void> {
  const r = await from.ns.ping(to);
  assert.equal(r.received, r.requested, r.output);
}

/** Pings until B reports `want` as A's endpoint (the first packets may race the move). */
async function expectEndpoint(a: Side, b: Side, want: string): Promise<void> {
  await waitFor(`B's endpoint for A to become ${want}`, async () => {
    await a.ns.ping(b.tunnel4, { count: 1, waitS: 1 });
    return (await b.iface.endpoint(a.iface.keys.publicKey)) === want ? true : undefined;
  }, 45_000, 200); // wireguard-go as the roamer keeps its old source address ~15 s
}

for (const pair of pairs) {
  test(`${pair.label}: A changes listen port; forged and replayed packets from a third address are ignored`, async (t) => {
    await inLab(t, async (lab) => {
      const { a, b } = await loopbackPair(lab, { pair, endpoints: "a" });
      const capture = join(lab.dir, "a-to-b.pcap");
      const tcpdump = lab.spawn(a.daemonNs, "tcpdump", ["-i", "lo", "-n", "-U", "-w", capture, "udp and dst port 20000"]);
      await waitFor("tcpdump to listen", async () => (tcpdump.output.includes("listening on") ? true : undefined));

      await pingAll(a, b.tunnel4);
      assert.equal(await b.iface.endpoint(a.iface.keys.publicKey), "127.0.0.1:10000");

      await a.iface.set(["listen-port", "10001"]);
      assert.equal(await a.iface.listenPort(), 10001);
      await pingAll(a, b.tunnel4);
      assert.equal(await b.iface.endpoint(a.iface.keys.publicKey), "127.0.0.1:10001", "B followed A's new port");
      await pingAll(b, a.tunnel6);

      await tcpdump.stop();
      const fromA = readPcapUdp(capture).filter((d) => d.src === "127.0.0.1" && (d.srcPort === 10000 || d.srcPort === 10001));
      const initiation = fromA.find((d) => d.payload[0] === 1 && d.payload.length === 148);
      const transport = fromA.filter((d) => d.payload[0] === 4 && d.payload.length > 32);
      assert.ok(initiation, "captured A's handshake initiation");
      assert.ok(transport.length > 0, "captured A's transport packets");
      const lastData = transport[transport.length - 1]!.payload;

      const forgedHeader = Buffer.concat([lastData.subarray(0, 16), randomBytes(lastData.length - 16)]);
      forgedHeader.writeBigUInt64LE(1n << 40n, 8); // a counter far ahead, so only the AEAD can reject it
      const hostile = [randomBytes(64), Buffer.from([4, 0, 0, 0]), forgedHeader, lastData, ...transport.map((d) => d.payload), initiation.payload];
      for (const from of ["127.0.0.2", "127.0.0.3"]) {
        await sendUdp(a.daemonNs, { from, to: "127.0.0.1", port: 20000, payloads: hostile });
      }
      await sleep(500); // let B process them; asserting an absence needs a moment, not a speed
      assert.equal(await b.iface.endpoint(a.iface.keys.publicKey), "127.0.0.1:10001", "unauthenticated packets moved the endpoint");

      // B still sends to the right place, and the tunnel still works both ways.
      await pingAll(b, a.tunnel4);
      await pingAll(a, b.tunnel6);
      assert.equal(await b.iface.endpoint(a.iface.keys.publicKey), "127.0.0.1:10001");
      assert.ok(b.iface.daemon.running && a.iface.daemon.running, "both daemons survived hostile input");
    });
  });

  for (const family of [4, 6] as const) {
    test(`${pair.label}: A changes its IPv${family} address over a veth and traffic continues`, async (t) => {
      await inLab(t, async (lab) => {
        const { a, b, links } = await vethPair(lab, { pair, outer: family, endpoints: "a" });
        const [oldAddr, newAddr, plen] = family === 4 ? [VETH4[0], "198.51.100.11", 24] : [VETH6[0], "fd01::11", 64];
        const fmt = (addr: string): string => (family === 4 ? `${addr}:10000` : `[${addr}]:10000`);

        await pingAll(a, b.tunnel4);
        assert.equal(await b.iface.endpoint(a.iface.keys.publicKey), fmt(oldAddr));

        // Keep the new address when the old (primary) one goes, as a DHCP renumbering would.
        await a.ns.exec("sysctl", ["-q", "-w", `net.ipv4.conf.${links.a}.promote_secondaries=1`]);
        await a.ns.addAddress(links.a, `${newAddr}/${plen}`);
        await a.ns.delAddress(links.a, `${oldAddr}/${plen}`);

        await expectEndpoint(a, b, fmt(newAddr));
        await pingAll(a, b.tunnel4);
        await pingAll(b, a.tunnel6);
        assert.equal(await b.iface.endpoint(a.iface.keys.publicKey), fmt(newAddr));
      });
    });
  }
}
