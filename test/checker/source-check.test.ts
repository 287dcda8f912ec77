// Allowed-IPs source check (§8.2): an authenticated packet whose inner source
// belongs to another peer must not be delivered. Peer B owns 10.77.0.3, so if
// the daemon wrongly delivered A's spoofed echo, the kernel's reply would be
// routed to B: B seeing nothing is the observation, B's own echo the control.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CheckLab, implsToCheck, PEER_TUNNEL_ADDRESS, TUN_ADDRESS } from "./lab.js";
import { echoRequest, parseEcho, parseIpv4 } from "../support/rawpeer/index.js";

async function tunRxPackets(lab: CheckLab): Promise<number> {
  const out = await lab.ns.ip(["-s", "-j", "link", "show", lab.name]);
  const j = JSON.parse(out) as { stats64: { rx: { packets: number } } }[];
  return j[0]?.stats64.rx.packets ?? -1;
}

for (const impl of implsToCheck()) {
  test(`${impl}: inner source outside the peer's allowed IPs is not delivered`, async (t) => {
    const lab = await CheckLab.start(impl);
    t.after(() => lab.close());
    const a = await lab.addRawPeer();
    const b = await lab.addRawPeer({ allowedIps: ["10.77.0.3/32"] });
    const sa = await a.handshake();
    const sb = await b.handshake();

    // Control: B's own echo goes through and B gets the reply.
    await b.send(sb.seal(echoRequest("10.77.0.3", TUN_ADDRESS, 3, 1, 38)));
    const control = await b.receive(sb);
    assert.ok(control, "B reaches the daemon's TUN");

    const delivered = await tunRxPackets(lab);
    const rxBefore = (await lab.transfer(a.identity.publicKey)).rx;
    await a.send(sa.seal(echoRequest("10.77.0.3", TUN_ADDRESS, 3, 2, 38)));
    await a.send(sa.seal(echoRequest("10.77.0.99", TUN_ADDRESS, 3, 3, 38)));
    assert.equal(await b.receive(sb, 1500), null, "no reply routed to B: the spoofed packet was not delivered");
    assert.equal(await a.receive(sa, 200), null);
    assert.equal(await tunRxPackets(lab), delivered, "nothing written to the TUN");
    // Authentication happened (the packets were counted), only delivery was refused.
    assert.ok((await lab.transfer(a.identity.publicKey)).rx > rxBefore);

    // A itself still works with its own address.
    await a.send(sa.seal(echoRequest(PEER_TUNNEL_ADDRESS, TUN_ADDRESS, 3, 4, 38)));
    const ok = await a.receive(sa);
    assert.ok(ok);
    assert.equal(parseEcho(parseIpv4(ok.plaintext)!)?.seq, 4);
    lab.assertAlive();
  });
}
