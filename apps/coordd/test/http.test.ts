// /healthz and /metrics.
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { encodeRelayFrame } from "@plug/protocol";
import { metricsText, metricValue, sampleBody, startTestServer, UdpTestClient } from "./support.js";

test("healthz answers ok", async () => {
  const srv = await startTestServer();
  try {
    const r = await fetch(`http://127.0.0.1:${srv.coordd.httpPort}/healthz`);
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), { status: "ok" });
  } finally {
    await srv.close();
  }
});

test("metrics count registrations, pairs, pushes, relay and drops in Prometheus text", async () => {
  const srv = await startTestServer();
  const a = await UdpTestClient.open(srv.coordd.udpPort, srv.coordd.publicKey);
  const b = await UdpTestClient.open(srv.coordd.udpPort, srv.coordd.publicKey);
  try {
    const rid = randomBytes(16);
    a.register(sampleBody(rid));
    await a.messages.next();
    b.register(sampleBody(rid));
    await b.messages.next();
    const push = await b.messages.next();
    await a.messages.next();
    assert.ok(push.kind === "push");
    b.send(encodeRelayFrame(push.channel, new Uint8Array(100)));
    await a.raw.next();
    a.send(Uint8Array.of(0xe9, 1, 0, 0, 0, 0, 0, 0)); // unknown plug type
    await a.raw.drain(100);
    const text = await metricsText(srv.coordd.httpPort);
    assert.match(text, /# TYPE coordd_registrations_total counter/);
    assert.equal(metricValue(text, "coordd_registrations_total"), 2);
    assert.equal(metricValue(text, "coordd_rids_paired_total"), 1);
    assert.equal(metricValue(text, "coordd_pushes_total"), 2);
    assert.equal(metricValue(text, "coordd_relay_packets_total"), 1);
    assert.equal(metricValue(text, "coordd_relay_bytes_total"), 112);
    assert.equal(metricValue(text, 'coordd_dropped_total{reason="unknown_type"}'), 1);
    assert.equal(metricValue(text, "coordd_rids"), 1);
    assert.ok(metricValue(text, "process_resident_memory_bytes") > 0);
    assert.ok(!text.includes(Buffer.from(srv.coordd.publicKey).toString("base64")), "no keys in metrics");
  } finally {
    a.close();
    b.close();
    await srv.close();
  }
});
