// Secrets stay secret: with verbose logging through a whole session (configure, handshake,
// traffic, `wg show`, shutdown) no daemon prints its private key or the PSK in any encoding,
// and the UAPI socket (which hands out the private key to anyone who can connect) is owner-only.
import assert from "node:assert/strict";
import { readFileSync, statSync } from "node:fs";
import { test } from "node:test";
import { loopbackPair } from "../support/netns.js";
import { inLab, pairsUnderTest } from "../support/scenario.js";

const impls = [...new Set(pairsUnderTest().flatMap((p) => [p.a, p.b]))];

for (const impl of impls) {
  test(`${impl}: verbose logs never contain private keys or PSKs; UAPI socket is owner-only`, async (t) => {
    const saved = process.env.PLUG_E2E_LOG_LEVEL;
    process.env.PLUG_E2E_LOG_LEVEL = "verbose";
    t.after(() => {
      if (saved === undefined) delete process.env.PLUG_E2E_LOG_LEVEL;
      else process.env.PLUG_E2E_LOG_LEVEL = saved;
    });
    await inLab(t, async (lab) => {
      const { a, b } = await loopbackPair(lab, { pair: { a: impl, b: impl, label: `${impl}-${impl}` }, psk: true });
      const r = await a.ns.ping(b.tunnel4);
      assert.equal(r.received, r.requested, r.output);
      await a.iface.show();
      await b.iface.dump();

      for (const side of [a, b]) {
        const mode = statSync(side.iface.socketPath).mode & 0o777;
        assert.equal(mode & 0o077, 0, `${side.iface.socketPath} mode ${mode.toString(8)} lets others connect`);
      }
      const secrets: string[] = [];
      for (const file of [a.iface.keys.privateKeyFile, b.iface.keys.privateKeyFile, ...lab.secretFiles()]) {
        const b64 = readFileSync(file, "utf8").trim();
        const raw = Buffer.from(b64, "base64");
        secrets.push(b64, raw.toString("hex"), raw.toString("base64url"));
      }
      await a.iface.daemon.stop();
      await b.iface.daemon.stop();
      const logs = a.iface.daemon.output + b.iface.daemon.output;
      assert.ok(logs.length > 0, "verbose logging produced output, so the check below means something");
      for (const s of secrets) assert.equal(logs.includes(s) || logs.toLowerCase().includes(s.toLowerCase()), false, "a secret appeared in the daemon output");
    });
  });
}
