import { test } from "node:test";
import assert from "node:assert/strict";
import {
  AddressError,
  formatEndpoint,
  formatIp,
  formatPrefix,
  normalizeEndpoint,
  parseEndpoint,
  parseIp,
  parsePrefix,
  prefixEquals,
} from "../src/net/address.js";

test("IPv4 and IPv6 parse to bytes and format back canonically (RFC 5952)", () => {
  assert.deepEqual(Array.from(parseIp("192.0.2.1")), [192, 0, 2, 1]);
  const cases: Array<[string, string]> = [
    ["::", "::"],
    ["::1", "::1"],
    ["fd00:0:0:0:0:0:0:1", "fd00::1"],
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"], // leftmost longest run
    ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"], // a single zero word is not compressed
    ["::ffff:192.0.2.1", "::ffff:c000:201"],
    ["FD00::ABCD", "fd00::abcd"],
  ];
  for (const [input, expected] of cases) assert.equal(formatIp(parseIp(input)), expected, input);
  assert.equal(parseIp("fe80::1%eth0").length, 16);
});

test("invalid addresses are rejected with AddressError", () => {
  for (const bad of ["", "1.2.3", "256.1.1.1", "1.2.3.4.5", "fd00:::1", "example.com", "1:2:3:4:5:6:7:8:9"]) {
    assert.throws(() => parseIp(bad), AddressError, bad);
  }
});

test("prefixes mask host bits and default to a host route", () => {
  assert.equal(formatPrefix(parsePrefix("10.1.0.20/29")), "10.1.0.16/29");
  assert.equal(formatPrefix(parsePrefix("64.15.123.211/25")), "64.15.123.128/25");
  assert.equal(formatPrefix(parsePrefix("2404:6800:4004:800:dead:beef:dead:beef/64")), "2404:6800:4004:800::/64");
  assert.equal(formatPrefix(parsePrefix("10.0.0.1")), "10.0.0.1/32");
  assert.equal(formatPrefix(parsePrefix("fd00::2")), "fd00::2/128");
  assert.equal(formatPrefix(parsePrefix("0.0.0.0/0")), "0.0.0.0/0");
  assert.ok(prefixEquals(parsePrefix("10.0.0.7/24"), parsePrefix("10.0.0.0/24")));
  assert.ok(!prefixEquals(parsePrefix("10.0.0.0/24"), parsePrefix("10.0.0.0/25")));
  for (const bad of ["10.0.0.0/33", "fd00::/129", "10.0.0.0/-1", "10.0.0.0/", "10.0.0.0/1a"]) {
    assert.throws(() => parsePrefix(bad), AddressError, bad);
  }
});

test("endpoints parse and format as UAPI writes them", () => {
  assert.deepEqual(parseEndpoint("127.0.0.1:51820"), { family: 4, address: "127.0.0.1", port: 51820 });
  assert.deepEqual(parseEndpoint("[::1]:4500"), { family: 6, address: "::1", port: 4500 });
  assert.equal(formatEndpoint(parseEndpoint("[fe80::1%eth0]:1")), "[fe80::1%eth0]:1");
  for (const bad of ["::1:4500", "1.2.3.4", "1.2.3.4:65536", "[::1]4500", "host:1"]) {
    assert.throws(() => parseEndpoint(bad), AddressError, bad);
  }
});

test("dual-stack socket addresses map back to IPv4", () => {
  assert.deepEqual(normalizeEndpoint("::ffff:198.51.100.7", 9), { family: 4, address: "198.51.100.7", port: 9 });
  assert.deepEqual(normalizeEndpoint("2001:db8::1", 9), { family: 6, address: "2001:db8::1", port: 9 });
});
