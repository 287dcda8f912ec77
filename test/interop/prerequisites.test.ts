// The harness itself: a missing prerequisite or a mistyped pair must stop the run with an
// error naming what is wrong (e2e tests never skip), and a lab must leave nothing behind.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { implsUnderTest, Lab, requirePrerequisites, run, UAPI_DIR } from "../support/netns.js";

test("a missing tool fails loudly, naming the tool", () => {
  assert.throws(() => requirePrerequisites(["wireguard-go"], ["pe2-no-such-tool"]), /prerequisites missing: pe2-no-such-tool/);
});

test("PLUG_E2E_PAIRS: default matrix, explicit pairs, and typos rejected", () => {
  assert.deepEqual(implsUnderTest("").map((p) => p.label), ["go-go", "plugd-go", "go-plugd", "plugd-plugd"]);
  assert.deepEqual(implsUnderTest("plugd-go"), [{ a: "plugd", b: "wireguard-go", label: "plugd-go" }]);
  assert.throws(() => implsUnderTest("plug-go"), /bad pair "plug-go"/);
});

test("lab.close removes namespaces, daemons and UAPI sockets", async () => {
  requirePrerequisites(["wireguard-go"]);
  const lab = await Lab.create();
  let sock = "";
  let nsName = "";
  try {
    const ns = await lab.netns("x");
    nsName = ns.name;
    const iface = await lab.startInterface("wireguard-go", ns, "x");
    sock = join(UAPI_DIR, `${iface.name}.sock`);
    assert.ok(existsSync(sock));
    assert.ok(iface.daemon.running);
  } finally {
    await lab.close();
  }
  assert.equal(existsSync(sock), false, "UAPI socket removed");
  assert.doesNotMatch((await run("ip", ["netns", "list"])).stdout, new RegExp(nsName));
  assert.equal(lab.daemons.every((d) => !d.running), true, "daemons stopped");
});
