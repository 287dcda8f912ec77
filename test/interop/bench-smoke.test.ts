// The tunnel benchmark (bench/tunnel, `npm run bench`) in --smoke mode: one short round per
// pairing. Asserts only that traffic flows through each pairing (TCP bytes, a loss-free UDP
// rate, ping replies) so the benchmark cannot rot silently; speeds are never asserted here.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseOptions, runTunnelBench } from "../../bench/tunnel/run.js";

test("npm run bench -- --smoke: traffic flows through every pairing", { timeout: 120_000 }, async (t) => {
  const report = await runTunnelBench(parseOptions(["--smoke", "--quiet"]));
  t.diagnostic(report.tables);
  assert.deepEqual(report.rounds.map((r) => r.pairing).sort(), ["go-go", "plugd-go", "plugd-plugd"]);
  for (const r of report.rounds) {
    assert.equal(r.error, undefined, `${r.pairing}: ${r.error}`);
    assert.ok((r.tcp1?.bytes ?? 0) > 0, `${r.pairing}: TCP 1 stream moved data`);
    assert.ok((r.tcp4?.bytes ?? 0) > 0, `${r.pairing}: TCP 4 streams moved data`);
    assert.ok((r.udp?.probes.some((p) => p.packets > 0 && p.lostPercent < 100)) ?? false, `${r.pairing}: UDP datagrams arrived`);
    assert.ok((r.rtt?.received ?? 0) > 0, `${r.pairing}: ping replies through the tunnel`);
  }
});
