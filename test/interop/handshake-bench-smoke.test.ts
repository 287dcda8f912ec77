// The daemon rows of the handshake benchmark (bench/handshake/daemons.ts, `npm run
// bench:handshake`) at a tiny size: real wireguard-go and plugd responders answering the same
// initiations from the load generator. Asserts only that the harness works (every timed
// initiation is accounted for, most are answered with a response, CPU is read), so the
// wireguard-go reference cannot rot silently; no speed is asserted.
import assert from "node:assert/strict";
import { test } from "node:test";
import { runDaemonBench } from "../../bench/handshake/daemons.js";

test("bench:handshake daemon rows: wireguard-go and plugd answer the generator's initiations", { timeout: 120_000 }, async (t) => {
  const handshakes = 300;
  const runs = await runDaemonBench({ peers: 50, handshakes, window: 8, repeats: 1 }, () => undefined);
  t.diagnostic(JSON.stringify(runs.map((r) => ({ impl: r.impl, responses: r.responses, cookieReplies: r.cookieReplies, lost: r.lost, perCpuS: Math.round(r.perCpuS) }))));
  assert.deepEqual(runs.map((r) => r.impl).sort(), ["plugd", "wireguard-go"]);
  for (const r of runs) {
    assert.equal(r.sent, handshakes, `${r.impl}: every timed initiation was sent`);
    assert.equal(r.responses + r.cookieReplies + r.lost, r.sent, `${r.impl}: every initiation accounted for`);
    assert.ok(r.responses >= handshakes / 2, `${r.impl}: ${r.responses} responses to ${handshakes} initiations`);
    assert.ok(r.daemonCpuS > 0 && Number.isFinite(r.perCpuS), `${r.impl}: the daemon's CPU time was read`);
  }
});
