// Relay virtual endpoints: channel → 100::/64 address → channel again, and no
// ordinary address is ever taken for one.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { isIPv6 } from "node:net";
import { formatIp, parseIp, type Endpoint } from "@plug/wireguard";
import { isRelayEndpoint, relayChannelKey, relayEndpoint } from "../src/coordination/relay-endpoint.js";

function channels(count: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) out.push(new Uint8Array(createHash("sha256").update(`channel-${i}`).digest().subarray(0, 8)));
  // Zero groups and leading zeros are where a textual form goes wrong.
  out.push(new Uint8Array(8), new Uint8Array(8).fill(0xff), Uint8Array.from([0, 1, 0, 0, 0, 0x10, 0x0a, 0]), Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 1]));
  return out;
}

describe("relay endpoints", () => {
  it("round-trip any channel through a valid IPv6 address in 100::/64 with port 0", () => {
    const seen = new Set<string>();
    for (const ch of channels(500)) {
      const e = relayEndpoint(ch);
      assert.equal(e.family, 6);
      assert.equal(e.port, 0);
      assert.ok(isIPv6(e.address), `${e.address} is IPv6`);
      const bytes = parseIp(e.address);
      assert.deepEqual([...bytes.subarray(0, 8)], [0x01, 0, 0, 0, 0, 0, 0, 0], `${e.address} in 100::/64`);
      assert.deepEqual(bytes.subarray(8), ch, `${e.address} carries the channel`);
      assert.ok(isRelayEndpoint(e));
      assert.equal(relayChannelKey(e), Buffer.from(ch).toString("hex"));
      seen.add(e.address);
    }
    assert.equal(seen.size, 504, "distinct channels, distinct addresses");
  });

  it("ordinary endpoints are not relay endpoints", () => {
    const ordinary: Endpoint[] = [
      { family: 4, address: "192.0.2.1", port: 51820 },
      { family: 4, address: "100.64.0.1", port: 0 },
      { family: 6, address: "2001:db8::1", port: 51820 },
      { family: 6, address: "::1", port: 0 },
      { family: 6, address: "fe80::1", port: 0 },
      { family: 6, address: "1000:0:0:0:1:2:3:4", port: 0 },
      // The right prefix with a real port is a real (if odd) endpoint, not a virtual one.
      { family: 6, address: relayEndpoint(new Uint8Array(8).fill(7)).address, port: 51820 },
    ];
    for (const e of ordinary) assert.equal(isRelayEndpoint(e), false, `${e.address}:${e.port}`);
  });

  it("the textual form is the one the core keeps (no RFC 5952 rewrite needed to recognise it)", () => {
    // The core stores the Endpoint object the coordination layer gives it; this
    // pins the uncompressed form those comparisons rely on.
    const e = relayEndpoint(Uint8Array.from([0xde, 0xad, 0, 1, 0, 0, 0xbe, 0xef]));
    assert.equal(e.address, "100:0:0:0:dead:1:0:beef");
    assert.equal(formatIp(parseIp(e.address)), "100::dead:1:0:beef");
  });
});
