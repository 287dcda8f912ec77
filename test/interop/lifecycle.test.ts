// The daemon process contract of WIREGUARD.md §9.1, which wg and wg-quick rely on: exit when
// the TUN is deleted, when the UAPI socket file is deleted, and on SIGINT/SIGTERM (removing the
// socket); refuse a name whose socket is live; replace a stale socket file.
import assert from "node:assert/strict";
import { existsSync, rmSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { implCommand, UAPI_DIR, waitFor, waitForUapiSocket, wg, type Daemon } from "../support/netns.js";
import { inLab, pairsUnderTest } from "../support/scenario.js";

const impls = [...new Set(pairsUnderTest().flatMap((p) => [p.a, p.b]))];

async function exitsOnItsOwn(d: Daemon, why: string): Promise<number | null> {
  return waitFor(`daemon to exit after ${why}`, async () => (d.running ? undefined : await d.exited), 10_000);
}

for (const impl of impls) {
  test(`${impl}: exits on TUN deletion, socket deletion and signals; refuses a live name; replaces a stale socket`, async (t) => {
    await inLab(t, async (lab) => {
      const ns = await lab.netns("l");

      const byLink = await lab.startInterface(impl, ns, "l1");
      await ns.ip(["link", "del", byLink.name]);
      await exitsOnItsOwn(byLink.daemon, "ip link del");
      await waitFor("socket removal", async () => (existsSync(byLink.socketPath) ? undefined : true), 5_000);

      const bySocket = await lab.startInterface(impl, ns, "l2");
      rmSync(bySocket.socketPath);
      await exitsOnItsOwn(bySocket.daemon, "deleting the UAPI socket");

      for (const sig of ["SIGINT", "SIGTERM"] as const) {
        const s = await lab.startInterface(impl, ns, sig === "SIGINT" ? "l3" : "l4");
        process.kill(s.daemon.pid ?? 0, sig);
        assert.equal(await exitsOnItsOwn(s.daemon, sig), 0, `${sig} is a clean exit:\n${s.daemon.output}`);
        assert.equal(existsSync(s.socketPath), false, `${sig} removes the socket`);
      }

      // A live name: the second daemon (in another namespace, so only the socket clashes) must fail
      // and the first must keep serving.
      const first = await lab.startInterface(impl, ns, "l5");
      const other = await lab.netns("m");
      const second = lab.spawn(other, implCommand(impl), ["-f", first.name]);
      const code = await waitFor("the second daemon to give up", async () => (second.running ? undefined : await second.exited), 10_000);
      assert.notEqual(code, 0, `second daemon on a live name must fail:\n${second.output}`);
      assert.ok(first.daemon.running);
      assert.match(await wg(["show", first.name]), new RegExp(`interface: ${first.name}`), "first daemon still answers");

      // A stale socket (bound, nothing accepting after close) is replaced.
      const stale = lab.reserveInterface("l6");
      const path = join(UAPI_DIR, `${stale}.sock`);
      // A process that exits without closing its listener leaves the file, as a SIGKILLed daemon does.
      execFileSync(process.execPath, ["-e", `require("node:net").createServer().listen(${JSON.stringify(path)}, () => process.exit(0))`]);
      assert.ok(existsSync(path), "stale socket file in place");
      const d = lab.spawn(ns, implCommand(impl), ["-f", stale]);
      await waitForUapiSocket(stale, d);
      assert.ok(d.running);
    });
  });
}
