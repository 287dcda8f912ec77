// Padding (§3.4): plaintext is zero-padded to a multiple of 16 but never past
// the interface MTU, and the receiver finds the real length in the inner IPv4
// or IPv6 header. Echo replies are as long as the requests, so each size below
// pins one case of `min(mtu, roundup16(len))`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CheckLab, implsToCheck, PEER_TUNNEL_ADDRESS, TUN_ADDRESS } from "./lab.js";
import { echoRequest, echoRequest6, parseIpv4, parseIpv6 } from "../support/rawpeer/index.js";

const MTU = 1420;

for (const impl of implsToCheck()) {
  test(`${impl}: padding to 16 capped at the MTU, IPv4 and IPv6 lengths`, async (t) => {
    const lab = await CheckLab.start(impl);
    t.after(() => lab.close());
    await lab.ns.ip(["link", "set", lab.name, "mtu", String(MTU)]);
    await lab.ns.addAddress(lab.name, "fd77::1/64");
    const peer = await lab.addRawPeer({ allowedIps: [`${PEER_TUNNEL_ADDRESS}/32`, "fd77::2/128"] });
    const session = await peer.handshake();

    // [inner IPv4 length, expected padded plaintext]
    const v4: [number, number][] = [[28, 32], [80, 80], [81, 96], [1404, 1408], [1419, MTU], [MTU, MTU]];
    let seq = 0;
    for (const [len, padded] of v4) {
      await peer.send(session.seal(echoRequest(PEER_TUNNEL_ADDRESS, TUN_ADDRESS, 0x66, ++seq, len - 28)));
      const r = await peer.receive(session);
      assert.ok(r, `IPv4 echo of ${len} bytes answered`);
      assert.equal(parseIpv4(r.plaintext)?.totalLength, len);
      assert.equal(r.plaintext.length, padded, `IPv4 ${len} bytes padded to ${padded}`);
      assert.ok(r.plaintext.subarray(len).every((b) => b === 0), "padding is zeros");
    }
    const v6: [number, number][] = [[48, 48], [57, 64], [1419, MTU]];
    for (const [len, padded] of v6) {
      await peer.send(session.seal(echoRequest6("fd77::2", "fd77::1", 0x66, ++seq, len - 48)));
      const r = await peer.receive(session);
      assert.ok(r, `IPv6 echo of ${len} bytes answered`);
      const p = parseIpv6(r.plaintext);
      assert.equal(p?.totalLength, len);
      assert.equal(p?.payload[0], 129, "ICMPv6 echo reply");
      assert.equal(r.plaintext.length, padded, `IPv6 ${len} bytes padded to ${padded}`);
    }
    lab.assertAlive();
  });
}
