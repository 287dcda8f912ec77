// Hostile input on the UAPI socket: random bytes, huge lines, half requests and
// many simultaneous connections must not crash the daemon or stop it serving.
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { connect } from "node:net";
import { CheckLab, implsToCheck } from "../checker/lab.js";
import type { UapiConnection } from "../checker/uapi.js";

/** Connects, writes `payload`, then closes after the daemon closes or `lingerMs` passes. */
function blast(path: string, payload: Uint8Array | string, lingerMs = 300): Promise<void> {
  return new Promise((resolve) => {
    const s = connect(path);
    const done = (): void => {
      s.destroy();
      resolve();
    };
    s.on("error", done);
    s.on("close", done);
    s.on("data", () => undefined);
    s.once("connect", () => {
      s.write(payload);
      setTimeout(done, lingerMs);
    });
  });
}

for (const impl of implsToCheck()) {
  test(`${impl}: garbage on the UAPI socket does not crash it`, async (t) => {
    const lab = await CheckLab.start(impl);
    t.after(() => lab.close());
    const path = lab.socketPath;

    // Random bytes, 8 connections at a time.
    for (let round = 0; round < 8; round++) {
      await Promise.all(Array.from({ length: 8 }, () => blast(path, new Uint8Array(randomBytes(1 + randomBytes(2).readUInt16LE(0) % 4096)))));
    }
    // Requests that start right and then go wrong.
    const hostile = [
      "set=1\n" + "a".repeat(4 * 1024 * 1024),
      "get=1\n" + "x".repeat(1024 * 1024) + "\n\n",
      "set=1\nprivate_key=" + "f".repeat(1024 * 1024) + "\n\n",
      "set=1\npublic_key=" + "00".repeat(32) + "\nallowed_ip=" + "1".repeat(100000) + "/33\n\n",
      "set=1\nlisten_port=99999999999999999999\n\n",
      "set=1\nendpoint=[::1\n\n",
      "get=1\nget=1\n\n",
      "set=1\n\0\0\0\n\n",
      "\n\n\n\n",
      "set=1",
      "get=",
      "=\n=\n\n",
      "set=1\n" + "public_key=" + "11".repeat(32) + "\n".repeat(10000),
    ];
    for (const h of hostile) await blast(path, h);
    lab.assertAlive();
    const dev = await lab.get();
    assert.equal(dev.errno, 0);
    assert.equal(dev.fields.get("listen_port"), String(lab.port), "configuration survived the garbage");
    assert.equal(dev.fields.get("private_key"), Buffer.from(lab.identity.privateKey).toString("hex"));
    assert.equal(await lab.set(["listen_port=" + String(lab.port)]), "errno=0\n\n", "set still works");
  });

  test(`${impl}: the UAPI socket still serves while many idle connections are held open`, async (t) => {
    const lab = await CheckLab.start(impl);
    t.after(() => lab.close());
    // `wg` probes by connecting and closing; a stuck or hostile local client may instead hold
    // connections open without writing. The device must stay configurable regardless.
    const held: UapiConnection[] = [];
    t.after(() => held.forEach((c) => c.close()));
    for (let i = 0; i < 200; i++) held.push(await lab.connection());
    assert.match(await lab.uapi("get=1\n\n"), /errno=0\n\n$/, "served while 200 idle connections are open");
    assert.match(await held[123]!.request("get=1\n\n"), /errno=0\n\n$/, "an idle connection can still make a request");
    held.forEach((c) => c.close());
    // And many short connections in a burst, as `wg show` in a monitoring loop makes.
    const burst = await Promise.all(Array.from({ length: 100 }, () => lab.uapi("get=1\n\n")));
    assert.ok(burst.every((r) => r.endsWith("errno=0\n\n")), "100 concurrent short requests all served");
    lab.assertAlive();
  });
}
