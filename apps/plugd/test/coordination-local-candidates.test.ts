// localCandidates and addressFingerprint over fabricated interface lists in
// the shape os.networkInterfaces() returns.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { NetworkInterfaceInfo } from "node:os";
import { CandidateKind } from "@plug/protocol";
import { addressFingerprint, localCandidates, type InterfaceList } from "../src/coordination/local-candidates.js";

function v4(address: string, internal = false): NetworkInterfaceInfo {
  return { address, netmask: "255.255.255.0", family: "IPv4", mac: "02:00:00:00:00:01", internal, cidr: `${address}/24` };
}

function v6(address: string, internal = false): NetworkInterfaceInfo {
  return { address, netmask: "ffff:ffff:ffff:ffff::", family: "IPv6", mac: "02:00:00:00:00:01", internal, cidr: `${address}/64`, scopeid: 0 };
}

const PORT = 51820;

describe("localCandidates", () => {
  it("classifies private IPv4 as lan, public IPv4 as public, global IPv6 as ipv6, ULA as lan", () => {
    const list: InterfaceList = {
      eth0: [v4("192.168.1.10"), v6("2001:db8:1::10"), v6("fd12:3456::10")],
      eth1: [v4("10.1.2.3"), v4("172.16.0.9"), v4("172.31.255.1"), v4("100.64.3.4")],
      wan0: [v4("203.0.113.7"), v4("172.32.0.1"), v4("11.0.0.1")],
    };
    const got = localCandidates(PORT, "plug0", 64, list).map((c) => [c.kind, c.endpoint.family, c.endpoint.address, c.endpoint.port]);
    assert.deepEqual(got, [
      [CandidateKind.Lan, 4, "192.168.1.10", PORT],
      [CandidateKind.Lan, 4, "10.1.2.3", PORT],
      [CandidateKind.Lan, 4, "172.16.0.9", PORT],
      [CandidateKind.Lan, 4, "172.31.255.1", PORT],
      [CandidateKind.Lan, 4, "100.64.3.4", PORT],
      [CandidateKind.Public, 4, "203.0.113.7", PORT],
      [CandidateKind.Public, 4, "172.32.0.1", PORT],
      [CandidateKind.Public, 4, "11.0.0.1", PORT],
      [CandidateKind.Ipv6, 6, "2001:db8:1::10", PORT],
      [CandidateKind.Lan, 6, "fd12:3456::10", PORT],
    ]);
  });

  it("leaves out loopback, internal, link-local and the tunnel's own interface", () => {
    const list: InterfaceList = {
      lo: [v4("127.0.0.1", true), v6("::1", true)],
      plug0: [v4("10.99.0.1"), v6("fd00:99::1"), v6("2001:db8:99::1")],
      eth0: [v4("169.254.10.20"), v6("fe80::1"), v6("fe80::2%eth0"), v4("192.168.5.5", true), v6("ff02::1")],
      docker0: undefined,
    };
    assert.deepEqual(localCandidates(PORT, "plug0", 64, list), []);
    // The same tunnel addresses count when they are not on the excluded interface.
    assert.equal(localCandidates(PORT, "other0", 64, list).length, 3);
  });

  it("caps the list, IPv4 before IPv6, but keeps a quarter for IPv6 when IPv4 would crowd it out", () => {
    const list: InterfaceList = {
      a: [v6("2001:db8::1"), v6("2001:db8::2")],
      b: Array.from({ length: 10 }, (_, i) => v4(`192.168.0.${i + 1}`)),
    };
    const got = localCandidates(PORT, "plug0", 4, list);
    assert.equal(got.length, 4);
    assert.deepEqual(got.map((c) => c.endpoint.family), [4, 4, 4, 6]);
    assert.equal(localCandidates(PORT, "plug0", 3, list).every((c) => c.endpoint.family === 4), true);
    assert.equal(localCandidates(PORT, "plug0", 0, list).length, 0);
    assert.equal(localCandidates(PORT, "plug0", 12, list).at(-1)?.endpoint.address, "2001:db8::2");
  });

  it("works on this machine's real interface list without throwing", () => {
    for (const c of localCandidates(PORT, "plug0", 16)) assert.equal(c.endpoint.port, PORT);
  });
});

describe("addressFingerprint", () => {
  it("changes with the usable addresses, not with their order or the excluded interface", () => {
    const a: InterfaceList = { eth0: [v4("192.168.1.10")], wlan0: [v6("2001:db8::5")], plug0: [v4("10.9.0.1")] };
    const reordered: InterfaceList = { wlan0: [v6("2001:db8::5")], eth0: [v4("192.168.1.10")] };
    const moved: InterfaceList = { eth0: [v4("192.168.1.11")], wlan0: [v6("2001:db8::5")] };
    const linkLocalOnly: InterfaceList = { ...a, eth1: [v6("fe80::9")] };
    assert.equal(addressFingerprint("plug0", a), addressFingerprint("plug0", reordered));
    assert.equal(addressFingerprint("plug0", a), addressFingerprint("plug0", linkLocalOnly));
    assert.notEqual(addressFingerprint("plug0", a), addressFingerprint("plug0", moved));
  });
});
