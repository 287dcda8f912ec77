// HandshakeRateLimiter with an injected clock, following the kernel's
// selftest/ratelimiter.c and wireguard-go's ratelimiter_test.go: a burst of
// 5, then one packet per 50 ms, independently for every source.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { HandshakeRateLimiter, PACKETS_BURSTABLE, PACKETS_PER_SECOND } from "../src/ratelimit/ratelimiter.js";
import { parseIp } from "../src/net/address.js";

const COST = 1000 / PACKETS_PER_SECOND;

class FakeClock {
  t = 1_000_000;
  now = (): number => this.t;
}

interface Step {
  readonly wait: number;
  readonly allowed: boolean;
  readonly text: string;
}

const expected: Step[] = [
  ...Array.from({ length: PACKETS_BURSTABLE }, () => ({ wait: 0, allowed: true, text: "initial burst" })),
  { wait: 0, allowed: false, text: "after burst" },
  { wait: COST, allowed: true, text: "filling tokens for single packet" },
  { wait: 0, allowed: false, text: "not having refilled enough" },
  { wait: 2 * COST, allowed: true, text: "filling tokens for two packet burst" },
  { wait: 0, allowed: true, text: "second packet in 2 packet burst" },
  { wait: 0, allowed: false, text: "packet following 2 packet burst" },
];

const sources = [
  "127.0.0.1", "192.168.1.1", "172.167.2.3", "97.231.252.215", "248.97.91.167", "188.208.233.47", "104.2.183.179", "72.129.46.120",
  "2001:db8:a0b:12f0::1", "f5c2:818f:c052:655a:9860:b136:6894:25f0", "b2d7:15ab:48a7:b07c:a541:f144:a9fe:54fc",
  "a47b:786e:1671:a22b:d6f9:4ab0:abc7:c918", "ea1e:d155:7f7a:98fb:2bf5:9483:80f6:5445", "3f0e:54a2:f5b4:cd19:a21d:58e1:3746:84c4",
];

describe("HandshakeRateLimiter", () => {
  it("follows the reference sequence for every source independently", () => {
    const clock = new FakeClock();
    const limiter = new HandshakeRateLimiter(clock.now);
    expected.forEach((step, i) => {
      clock.t += step.wait;
      for (const source of sources) {
        assert.equal(limiter.allow(parseIp(source)), step.allowed, `step ${i} (${step.text}) for ${source}`);
      }
    });
  });

  it("shares one bucket per IPv6 /64 and separates neighbouring /64s", () => {
    const limiter = new HandshakeRateLimiter(new FakeClock().now);
    for (let i = 0; i < PACKETS_BURSTABLE; i++) assert.equal(limiter.allow(parseIp(`2001:db8:1:2::${i + 1}`)), true);
    assert.equal(limiter.allow(parseIp("2001:db8:1:2:ffff:ffff:ffff:ffff")), false, "same /64, other host");
    assert.equal(limiter.allow(parseIp("2001:db8:1:3::1")), true, "next /64");
    assert.equal(limiter.size, 2);
  });

  it("treats an IPv4-mapped IPv6 source as the IPv4 address", () => {
    const limiter = new HandshakeRateLimiter(new FakeClock().now);
    for (let i = 0; i < PACKETS_BURSTABLE; i++) assert.equal(limiter.allow(parseIp("198.51.100.7")), true);
    assert.equal(limiter.allow(parseIp("::ffff:198.51.100.7")), false);
  });

  it("refuses malformed source addresses", () => {
    const limiter = new HandshakeRateLimiter(new FakeClock().now);
    assert.equal(limiter.allow(new Uint8Array(5)), false);
    assert.equal(limiter.size, 0);
  });

  it("never refills beyond the burst, however long the source was idle", () => {
    const clock = new FakeClock();
    const limiter = new HandshakeRateLimiter(clock.now, { maxEntries: 10 });
    const ip = parseIp("203.0.113.9");
    assert.equal(limiter.allow(ip), true);
    clock.t += 900; // idle, but not long enough to be collected
    for (let i = 0; i < PACKETS_BURSTABLE; i++) assert.equal(limiter.allow(ip), true);
    assert.equal(limiter.allow(ip), false);
  });

  it("does not mint tokens when the clock steps backwards", () => {
    const clock = new FakeClock();
    const limiter = new HandshakeRateLimiter(clock.now);
    const ip = parseIp("203.0.113.10");
    for (let i = 0; i < PACKETS_BURSTABLE; i++) limiter.allow(ip);
    clock.t -= 10_000;
    assert.equal(limiter.allow(ip), false);
    clock.t += COST;
    assert.equal(limiter.allow(ip), true);
  });

  it("collects idle entries and stays bounded under a spoofed-source flood", () => {
    const clock = new FakeClock();
    const limiter = new HandshakeRateLimiter(clock.now, { maxEntries: 1000 });
    const legit = parseIp("198.51.100.1");
    assert.equal(limiter.allow(legit), true);
    const spoofed = new Uint8Array(4);
    let refused = 0;
    for (let i = 0; i < 100_000; i++) {
      spoofed[0] = 10;
      spoofed[1] = (i >> 16) & 0xff;
      spoofed[2] = (i >> 8) & 0xff;
      spoofed[3] = i & 0xff;
      if (!limiter.allow(spoofed)) refused++;
      assert.ok(limiter.size <= 1000);
    }
    assert.equal(refused, 100_000 - 999, "the table filled up, then new sources were refused");
    assert.equal(limiter.allow(legit), true, "a known source keeps its bucket while the table is full");

    clock.t += 1000;
    assert.equal(limiter.allow(parseIp("198.51.100.2")), true, "idle entries make room again");
    assert.equal(limiter.size, 1);
  });
});
