// `wg-quick up/down` driving the userspace daemon through WG_QUICK_USERSPACE_IMPLEMENTATION,
// exactly as users run it. wg-quick needs the file to be named IFNAME.conf; it daemonises the
// implementation (`IMPL IFNAME`, no -f), adds addresses, MTU and routes, and on `down` deletes
// the link, which must make the daemon exit on its own.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { foreignPids, PLUGD_BIN, UAPI_DIR, waitFor, wg, type Impl } from "../support/netns.js";
import { inLab, pairsUnderTest } from "../support/scenario.js";

const impls = [...new Set(pairsUnderTest(["wg-quick", "pgrep"]).flatMap((p) => [p.a, p.b]))] as Impl[];

for (const impl of impls) {
  test(`wg-quick up/down with WG_QUICK_USERSPACE_IMPLEMENTATION=${impl}`, async (t) => {
    await inLab(t, async (lab) => {
      const nq = await lab.netns("q");
      const np = await lab.netns("p");
      const links = await lab.veth(nq, np);
      await nq.addAddress(links.a, "198.51.100.1/24");
      await np.addAddress(links.b, "198.51.100.2/24");

      // The far end: a wireguard-go configured by hand.
      const peer = await lab.startInterface("wireguard-go", np, "p");
      const name = lab.reserveInterface("q");
      const keys = await lab.genKeyPair();
      await peer.configure({ listenPort: 20000, peers: [{ publicKey: keys.publicKey, allowedIps: ["10.77.0.1/32", "fd77::1/128"] }] });
      await np.addAddress(peer.name, "10.77.0.2/24");
      await np.addAddress(peer.name, "fd77::2/64");
      await np.linkUp(peer.name);

      const conf = lab.writeSecretFile(`${name}.conf`, [
        "[Interface]",
        `PrivateKey = ${readFileSync(keys.privateKeyFile, "utf8").trim()}`,
        "Address = 10.77.0.1/24, fd77::1/64",
        "ListenPort = 10000",
        "",
        "[Peer]",
        `PublicKey = ${peer.keys.publicKey}`,
        "AllowedIPs = 10.77.0.2/32, fd77::2/128, 10.78.0.0/16",
        "Endpoint = 198.51.100.2:20000",
        "",
      ].join("\n"));
      const env = {
        ...process.env,
        PATH: `${dirname(PLUGD_BIN)}:${process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin"}`,
        WG_QUICK_USERSPACE_IMPLEMENTATION: impl,
        LOG_LEVEL: "error",
      };
      // wg-quick's daemonised child inherits stdout/stderr: with pipes, execFile would wait for
      // the daemon to exit. A log file keeps the output for diagnostics instead.
      const log = join(lab.dir, "wg-quick.log");
      const wgQuick = async (verb: string): Promise<void> => {
        const r = await nq.exec("sh", ["-c", 'exec wg-quick "$0" "$1" </dev/null >>"$2" 2>&1', verb, conf, log], { env, timeoutMs: 30_000, allowFailure: true });
        assert.equal(r.code, 0, `wg-quick ${verb} failed:\n${readFileSync(log, "utf8")}`);
      };
      lab.defer(async () => {
        if (existsSync(join(UAPI_DIR, `${name}.sock`))) await nq.exec("sh", ["-c", 'exec wg-quick down "$0" </dev/null >/dev/null 2>&1', conf], { env, allowFailure: true });
      });

      await wgQuick("up");
      const addrs = await nq.ip(["addr", "show", "dev", name]);
      assert.match(addrs, /inet 10\.77\.0\.1\/24/);
      assert.match(addrs, /inet6 fd77::1\/64/);
      assert.match(await nq.ip(["link", "show", name]), /mtu 1420 /, "wg-quick's MTU (veth 1500 - 80)");
      assert.match(await nq.ip(["route", "show", "dev", name]), /10\.78\.0\.0\/16/);
      assert.equal(foreignPids(name).length, 1, "one daemon serves the interface");
      assert.match(await wg(["show", name, "peers"]), new RegExp(peer.keys.publicKey.replace(/[+/=]/g, "\\$&")));
      assert.equal((await wg(["show", name, "listen-port"])).trim(), "10000");

      const p4 = await nq.ping("10.77.0.2");
      assert.equal(p4.received, p4.requested, p4.output);
      const p6 = await np.ping("fd77::1");
      assert.equal(p6.received, p6.requested, p6.output);

      await wgQuick("down");
      const gone = await nq.exec("ip", ["link", "show", name], { allowFailure: true });
      assert.notEqual(gone.code, 0, "link removed");
      assert.doesNotMatch(await nq.ip(["route", "show"]), /10\.78\.0\.0\/16/);
      assert.doesNotMatch(await nq.ip(["-6", "addr", "show"]), /fd77::1/);
      await waitFor(`${impl} to exit after wg-quick down`, async () => (foreignPids(name).length === 0 ? true : undefined), 10_000);
      await waitFor("its UAPI socket to disappear", async () => (existsSync(join(UAPI_DIR, `${name}.sock`)) ? undefined : true), 5_000);
    });
  });
}
