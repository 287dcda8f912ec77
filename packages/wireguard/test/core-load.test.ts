// Under-load detection: more than UNDER_LOAD_THRESHOLD handshake messages
// within one second, then a one-second tail.
import { test } from "node:test";
import assert from "node:assert/strict";
import { LoadMonitor } from "../src/core/load-monitor.js";
import { UNDER_LOAD_BURST, UNDER_LOAD_BURST_WINDOW, UNDER_LOAD_TAIL, UNDER_LOAD_THRESHOLD } from "../src/core/constants.js";

test("threshold within a second trips it; spread-out arrivals do not", () => {
  const m = new LoadMonitor();
  const gap = 9; // slower than the burst rule, faster than THRESHOLD per second
  for (let i = 0; i < UNDER_LOAD_THRESHOLD; i++) assert.equal(m.arrive(i * gap), false, `arrival ${i}`);
  assert.equal(m.arrive(UNDER_LOAD_THRESHOLD * gap), true, "threshold + 1 within a second");
  const slow = new LoadMonitor();
  for (let i = 0; i < 5 * UNDER_LOAD_THRESHOLD; i++) assert.equal(slow.arrive(i * 11), false);
});

test("the state lingers for the tail after the last detection, then clears", () => {
  const m = new LoadMonitor();
  for (let i = 0; i <= UNDER_LOAD_THRESHOLD; i++) m.arrive(0);
  assert.equal(m.arrive(UNDER_LOAD_TAIL - 1), true);
  assert.equal(m.arrive(10 * UNDER_LOAD_TAIL), false);
});

test("a flood-like burst trips it at once", () => {
  const m = new LoadMonitor();
  for (let i = 0; i < UNDER_LOAD_BURST; i++) assert.equal(m.arrive(1000 + i * 0.1), false, `arrival ${i}`);
  assert.equal(m.arrive(1000 + UNDER_LOAD_BURST * 0.1), true);
  const paced = new LoadMonitor();
  for (let i = 0; i <= 3 * UNDER_LOAD_BURST; i++) assert.equal(paced.arrive(i * UNDER_LOAD_BURST_WINDOW), false);
});
