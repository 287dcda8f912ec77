// `plugd -f IFNAME --config FILE`: plugd applies a wg-quick-format file itself (keys, port,
// peers, and the wg-quick-only Address/MTU), talks to a wireguard-go peer, and on SIGTERM exits
// 0 and takes its interface down. Only plugd has this option, so this file tests plugd alone.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { PLUGD_BIN, waitFor, waitForUapiSocket, wg } from "../support/netns.js";
import { inLab, pairsUnderTest } from "../support/scenario.js";

const withPlugd = pairsUnderTest().some((p) => p.a === "plugd" || p.b === "plugd");

if (withPlugd) {
  test("plugd --config applies a wg-quick file and undoes it on SIGTERM", async (t) => {
    await inLab(t, async (lab) => {
      const nq = await lab.netns("q");
      const np = await lab.netns("p");
      const links = await lab.veth(nq, np);
      await nq.addAddress(links.a, "198.51.100.1/24");
      await np.addAddress(links.b, "198.51.100.2/24");
      const peer = await lab.startInterface("wireguard-go", np, "p");
      const keys = await lab.genKeyPair();
      await peer.configure({ listenPort: 20000, peers: [{ publicKey: keys.publicKey, allowedIps: ["10.77.0.1/32"], endpoint: "198.51.100.1:10000" }] });
      await np.addAddress(peer.name, "10.77.0.2/24");
      await np.linkUp(peer.name);

      const name = lab.reserveInterface("q");
      const conf = lab.writeSecretFile(`${name}.conf`, [
        "[Interface]",
        `PrivateKey = ${readFileSync(keys.privateKeyFile, "utf8").trim()}`,
        "ListenPort = 10000",
        "Address = 10.77.0.1/24",
        "MTU = 1380",
        "",
        "[Peer]",
        `PublicKey = ${peer.keys.publicKey}`,
        "AllowedIPs = 10.77.0.2/32, 10.79.0.0/16",
        "Endpoint = 198.51.100.2:20000",
        "",
      ].join("\n"));
      const daemon = lab.spawn(nq, PLUGD_BIN, ["-f", name, "--config", conf], { env: { ...process.env, LOG_LEVEL: "error" } });
      await waitForUapiSocket(name, daemon);
      // The UAPI socket exists before the interface set-up runs (PostUp hooks may call wg), so wait for it.
      await waitFor("the file's routes (the last set-up step)", async () => (/10\.79\.0\.0\/16/.test(await nq.ip(["route", "show", "dev", name])) ? true : undefined), 10_000, 20);

      const dump = (await wg(["show", name, "dump"])).trim().split("\n");
      assert.equal(dump.length, 2, dump.join("\n"));
      assert.deepEqual(dump[0]?.split("\t").slice(1), [keys.publicKey, "10000", "off"]);
      assert.deepEqual(dump[1]?.split("\t").slice(0, 4), [peer.keys.publicKey, "(none)", "198.51.100.2:20000", "10.77.0.2/32,10.79.0.0/16"]);
      assert.match(await nq.ip(["addr", "show", "dev", name]), /inet 10\.77\.0\.1\/24/);
      assert.match(await nq.ip(["link", "show", name]), /mtu 1380 .*state (UP|UNKNOWN)/);
      assert.match(await nq.ip(["route", "show", "dev", name]), /10\.79\.0\.0\/16/);

      const r = await nq.ping("10.77.0.2");
      assert.equal(r.received, r.requested, r.output);
      const back = await np.ping("10.77.0.1", { size: 1352, dontFragment: true }); // 1352 + 28 = MTU 1380
      assert.equal(back.received, back.requested, back.output);

      assert.equal(await daemon.stop(), 0, daemon.output);
      const gone = await nq.exec("ip", ["link", "show", name], { allowFailure: true });
      assert.notEqual(gone.code, 0, "interface removed on exit");
      assert.doesNotMatch(await nq.ip(["route", "show"]), /10\.79\.0\.0\/16/);
    });
  });
}
