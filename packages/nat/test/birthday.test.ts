// guessPorts: the port list for birthday probing against an endpoint-dependent NAT.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { BIRTHDAY_MAX_PORTS, guessPorts } from "../src/index.js";
import { seededRandom } from "../../wireguard/test/support/seeded-random.js";

/** Deterministic bytes: SHA-256 of a call counter. */
/** A source that always returns the same bytes: the worst case for the retry loop. */
const stuck = (byte: number) => (n: number) => new Uint8Array(n).fill(byte);

describe("guessPorts", () => {
  it("returns distinct ports within 1024..65535, never the observed one", () => {
    for (const observed of [1024, 1030, 31000, 65530, 65535]) {
      const ports = guessPorts(observed, 256, seededRandom("guess"));
      assert.equal(ports.length, 256, `count for ${observed}`);
      assert.equal(new Set(ports).size, ports.length, `distinct for ${observed}`);
      assert.ok(!ports.includes(observed), `observed ${observed} excluded`);
      for (const p of ports) assert.ok(Number.isInteger(p) && p >= 1024 && p <= 65535, `port ${p} in range`);
    }
  });

  it("tries the observed port's neighbours first, nearest first", () => {
    const ports = guessPorts(31000, 40, seededRandom("guess"));
    assert.deepEqual(ports.slice(0, 16), [31001, 30999, 31002, 30998, 31003, 30997, 31004, 30996, 31005, 30995, 31006, 30994, 31007, 30993, 31008, 30992]);
  });

  it("skips neighbours outside the port range", () => {
    const low = guessPorts(1025, 20, seededRandom("guess"));
    assert.deepEqual(low.slice(0, 9), [1026, 1024, 1027, 1028, 1029, 1030, 1031, 1032, 1033]);
    const high = guessPorts(65534, 20, seededRandom("guess"));
    assert.deepEqual(high.slice(0, 9), [65535, 65533, 65532, 65531, 65530, 65529, 65528, 65527, 65526]);
  });

  it("caps the count at BIRTHDAY_MAX_PORTS and honours smaller counts", () => {
    assert.equal(BIRTHDAY_MAX_PORTS, 256);
    assert.equal(guessPorts(40000, 10_000, seededRandom("guess")).length, BIRTHDAY_MAX_PORTS);
    assert.deepEqual(guessPorts(40000, 3, seededRandom("guess")), [40001, 39999, 40002]);
    assert.deepEqual(guessPorts(40000, 0, seededRandom("guess")), []);
  });

  it("the random part is spread over the port space, not clustered near the observed port", () => {
    const ports = guessPorts(20000, 256, seededRandom("guess")).slice(16);
    const far = ports.filter((p) => Math.abs(p - 20000) > 1000).length;
    assert.ok(far > 200, `${far} of ${ports.length} random guesses far from the observed port`);
  });

  it("terminates with fewer ports when the random source repeats itself", () => {
    const ports = guessPorts(40000, 256, stuck(0x42));
    // 16 neighbours plus the single port the constant bytes map to.
    assert.equal(ports.length, 17);
    assert.equal(new Set(ports).size, 17);
  });

  it("is deterministic for a given random source", () => {
    assert.deepEqual(guessPorts(50000, 256, seededRandom("guess")), guessPorts(50000, 256, seededRandom("guess")));
  });
});
