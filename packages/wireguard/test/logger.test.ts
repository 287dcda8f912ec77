import { test } from "node:test";
import assert from "node:assert/strict";
import { createLogger, parseLogLevel, peerLabel } from "../src/log/logger.js";

test("levels filter like wireguard-go's LOG_LEVEL", () => {
  const lines: string[] = [];
  const log = createLogger("error", "wg0", (l) => lines.push(l));
  log.verbose("v");
  log.info("i");
  log.error("e");
  assert.equal(lines.length, 1);
  assert.match(lines[0] ?? "", /^ERROR: \(wg0\) \d{4}-\d\d-\d\d \d\d:\d\d:\d\d e\n$/);
  assert.equal(parseLogLevel("verbose"), "verbose");
  assert.equal(parseLogLevel("debug"), "verbose");
  assert.equal(parseLogLevel("SILENT"), "silent");
  assert.equal(parseLogLevel("bogus", "info"), "info");
  assert.equal(parseLogLevel(undefined), "error");
});

test("peer labels never carry the whole key", () => {
  const key = new Uint8Array(32).map((_, i) => i * 7);
  const label = peerLabel(key);
  const full = Buffer.from(key).toString("base64");
  assert.ok(!label.includes(full.slice(0, 12)));
  assert.match(label, /^peer\(.{4}….{4}\)$/);
});
