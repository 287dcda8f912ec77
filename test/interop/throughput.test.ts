// iperf3 (TCP, one stream, 5 s) through the tunnel for every selected pair, one after another in
// the same run so the numbers are comparable. The assertion is functional (iperf3 completes and
// moves data); the rates are reported as diagnostics for the record, never asserted.
import assert from "node:assert/strict";
import { test } from "node:test";
import { loopbackPair, waitFor } from "../support/netns.js";
import { inLab, pairsUnderTest } from "../support/scenario.js";

interface IperfResult {
  readonly error?: string;
  readonly end?: { sum_received?: { bytes: number; bits_per_second: number }; sum_sent?: { retransmits?: number } };
}

const SECONDS = 5;

test("iperf3 TCP throughput per pair, measured side by side", async (t) => {
  const rows: string[] = [];
  for (const pair of pairsUnderTest(["iperf3", "ss"])) {
    await t.test(pair.label, async (st) => {
      await inLab(st, async (lab) => {
        const { a, b } = await loopbackPair(lab, { pair });
        const warm = await a.ns.ping(b.tunnel4, { count: 1 });
        assert.equal(warm.received, 1, warm.output);
        const server = lab.spawn(b.ns, "iperf3", ["-s", "-1", "-B", b.tunnel4, "-p", "5201"]);
        await waitFor("iperf3 server", async () => {
          const ss = await b.ns.exec("ss", ["-Hltn", "sport", "=", ":5201"]);
          return ss.stdout.includes("5201") ? true : undefined;
        });
        const r = await a.ns.exec("iperf3", ["-c", b.tunnel4, "-p", "5201", "-t", String(SECONDS), "-J"], { allowFailure: true, timeoutMs: 60_000 });
        await server.exited;
        const json = JSON.parse(r.stdout) as IperfResult;
        assert.equal(json.error, undefined, r.stdout);
        const recv = json.end?.sum_received;
        assert.ok(recv && recv.bytes > 0, "iperf3 moved data through the tunnel");
        const row = `${pair.label.padEnd(12)} ${(recv.bits_per_second / 1e6).toFixed(0).padStart(6)} Mbit/s  (${(recv.bytes / 2 ** 20).toFixed(0)} MiB in ${SECONDS} s, ${json.end?.sum_sent?.retransmits ?? "?"} retransmits)`;
        rows.push(row);
        st.diagnostic(row);
      });
    });
  }
  t.diagnostic(`iperf3 TCP, 1 stream, ${SECONDS} s, same run:`);
  for (const row of rows) t.diagnostic(row);
});
