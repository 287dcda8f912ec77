// AllowedIps against the kernel's selftest table as WIREGUARD.md §8.1
// condenses it, and against a naive linear longest-prefix model on random
// tables (inserts, moves, exact and per-owner removals) in both families.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { AllowedIps } from "../src/routing/allowed-ips.js";
import { formatPrefix, maskAddress, parseIp, parsePrefix, type Prefix } from "../src/net/address.js";

type Peer = "a" | "b" | "c" | "d" | "e" | "f" | "g" | "h";

function selftestTable(): AllowedIps<Peer> {
  const t = new AllowedIps<Peer>();
  const inserts: Array<[Peer, string]> = [
    ["a", "192.168.4.0/24"], ["b", "192.168.4.4/32"], ["c", "192.168.0.0/16"], ["d", "192.95.5.64/27"],
    ["c", "192.95.5.65/27"],
    ["d", "2607:5300:6000:6b00::c05f:543/128"], ["c", "2607:5300:6000:6b00::/64"],
    ["e", "0.0.0.0/0"], ["e", "::/0"], ["f", "::/0"], ["g", "2404:6800::/32"],
    ["h", "2404:6800:4004:800:dead:beef:dead:beef/64"], ["a", "2404:6800:4004:800:dead:beef:dead:beef/128"],
    ["c", "2444:6800:40e4:800:deae:beef:def:beef/128"], ["b", "2444:6800:f0e4:800:eeae:beef::/98"],
    ["g", "64.15.112.0/20"], ["h", "64.15.123.211/25"],
    ["a", "10.0.0.0/25"], ["b", "10.0.0.128/25"], ["a", "10.1.0.0/30"], ["b", "10.1.0.4/30"], ["c", "10.1.0.8/29"], ["d", "10.1.0.16/29"],
  ];
  for (const [peer, text] of inserts) t.insert(unmasked(text), peer);
  return t;
}

/** A prefix whose host bits are still set, to check that insert masks them itself. */
function unmasked(text: string): Prefix {
  const [addr = "", cidr = ""] = text.split("/");
  const bytes = parseIp(addr);
  return { family: bytes.length === 4 ? 4 : 6, bytes, cidr: Number(cidr) };
}

describe("AllowedIps: the §8.1 selftest table", () => {
  const expected: Record<Peer, string[]> = {
    a: ["192.168.4.20", "192.168.4.0", "10.0.0.52", "10.1.0.2", "2404:6800:4004:800:dead:beef:dead:beef"],
    b: ["192.168.4.4", "10.0.0.220", "10.1.0.6"],
    c: ["192.168.200.182", "192.95.5.68", "10.1.0.10", "2607:5300:6000:6b00::c02e:1ee"],
    d: ["10.1.0.20", "2607:5300:6000:6b00::c05f:543"],
    e: ["192.95.5.96"],
    f: ["2607:5300:6000:6b01::", "2404:67ff:4004:806:0:1234:0:5678", "2404:6801:4004:806:0:1234:0:5678"],
    g: ["64.15.116.26", "64.15.127.3", "64.15.123.1", "2404:6800:4004:806::1006", "2404:6800:4004:806:0:1234:0:5678"],
    h: ["64.15.123.128", "64.15.123.129", "2404:6800:4004:800:0:1234:0:5678", "2404:6800:4004:800::", "2404:6800:4004:800:1010:1010:1010:1010"],
  };

  for (const [peer, addresses] of Object.entries(expected)) {
    it(`routes to ${peer}`, () => {
      const t = selftestTable();
      for (const address of addresses) assert.equal(t.lookup(parseIp(address)), peer, address);
    });
  }

  it("moved prefixes leave the old owner's list; host bits are masked", () => {
    const t = selftestTable();
    const list = (p: Peer): string[] => t.prefixesOf(p).map(formatPrefix);
    assert.deepEqual(list("d"), ["2607:5300:6000:6b00::c05f:543/128", "10.1.0.16/29"]);
    assert.deepEqual(list("c"), ["192.168.0.0/16", "192.95.5.64/27", "2607:5300:6000:6b00::/64", "2444:6800:40e4:800:deae:beef:def:beef/128", "10.1.0.8/29"]);
    assert.deepEqual(list("e"), ["0.0.0.0/0"]);
    assert.deepEqual(list("f"), ["::/0"]);
    assert.deepEqual(list("h"), ["2404:6800:4004:800::/64", "64.15.123.128/25"]);
  });

  it("removing by owner falls back to the next longest prefix", () => {
    const t = selftestTable();
    t.removeByOwner("b");
    assert.equal(t.lookup(parseIp("192.168.4.4")), "a");
    assert.equal(t.lookup(parseIp("10.0.0.220")), "e");
    assert.equal(t.lookup(parseIp("10.1.0.6")), "e");
    assert.deepEqual(t.prefixesOf("b"), []);
    t.removeByOwner("e");
    assert.equal(t.lookup(parseIp("10.0.0.220")), undefined);
    assert.equal(t.lookup(parseIp("2404:6801::1")), "f", "IPv6 ::/0 untouched");
  });

  it("removes an exact prefix only for its owner", () => {
    const t = selftestTable();
    assert.equal(t.removeExact(parsePrefix("192.95.5.64/27"), "d"), false, "d lost it to c");
    assert.equal(t.lookup(parseIp("192.95.5.68")), "c");
    assert.equal(t.removeExact(unmasked("192.95.5.70/27"), "c"), true, "matched after masking");
    assert.equal(t.lookup(parseIp("192.95.5.68")), "e");
    assert.equal(t.removeExact(parsePrefix("192.95.5.64/27"), "c"), false, "already gone");
    assert.equal(t.removeExact(parsePrefix("10.1.0.8/30"), "c"), false, "same address, other length");
  });

  it("clear empties both families", () => {
    const t = selftestTable();
    t.clear();
    assert.equal(t.lookup(parseIp("192.168.4.20")), undefined);
    assert.equal(t.lookup(parseIp("2404:6800::1")), undefined);
    assert.deepEqual(t.prefixesOf("a"), []);
  });

  it("ignores addresses of the wrong length and rejects bad prefixes", () => {
    const t = selftestTable();
    assert.equal(t.lookup(new Uint8Array(5)), undefined);
    assert.throws(() => t.insert({ family: 4, bytes: new Uint8Array(4), cidr: 33 }, "a"), RangeError);
    assert.throws(() => t.insert({ family: 6, bytes: new Uint8Array(4), cidr: 8 }, "a"), RangeError);
  });

  it("re-inserting a prefix for the same owner moves it to the end of the list", () => {
    const t = new AllowedIps<Peer>();
    t.insert(parsePrefix("10.0.0.0/8"), "a");
    t.insert(parsePrefix("10.1.0.0/16"), "a");
    t.insert(parsePrefix("10.0.0.0/8"), "a");
    assert.deepEqual(t.prefixesOf("a").map(formatPrefix), ["10.1.0.0/16", "10.0.0.0/8"]);
  });
});

// A deterministic PRNG so a failure reproduces.
function prng(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s % n;
  };
}

interface ModelEntry {
  bytes: Uint8Array;
  cidr: number;
  owner: number;
}

class LinearModel {
  entries: ModelEntry[] = [];

  private index(bytes: Uint8Array, cidr: number): number {
    return this.entries.findIndex((e) => e.cidr === cidr && e.bytes.length === bytes.length && e.bytes.every((b, i) => b === bytes[i]));
  }

  insert(p: Prefix, owner: number): void {
    const bytes = maskAddress(p.bytes, p.cidr);
    const i = this.index(bytes, p.cidr);
    if (i >= 0) this.entries.splice(i, 1);
    this.entries.push({ bytes, cidr: p.cidr, owner });
  }

  removeExact(p: Prefix, owner: number): boolean {
    const i = this.index(maskAddress(p.bytes, p.cidr), p.cidr);
    if (i < 0 || this.entries[i]?.owner !== owner) return false;
    this.entries.splice(i, 1);
    return true;
  }

  removeByOwner(owner: number): void {
    this.entries = this.entries.filter((e) => e.owner !== owner);
  }

  lookup(address: Uint8Array): number | undefined {
    let best: ModelEntry | undefined;
    for (const e of this.entries) {
      if (e.bytes.length !== address.length) continue;
      const masked = maskAddress(address, e.cidr);
      if (!masked.every((b, i) => b === e.bytes[i])) continue;
      if (best === undefined || e.cidr > best.cidr) best = e;
    }
    return best?.owner;
  }

  prefixesOf(owner: number): string[] {
    return this.entries.filter((e) => e.owner === owner).map((e) => formatPrefix({ family: e.bytes.length === 4 ? 4 : 6, bytes: e.bytes, cidr: e.cidr }));
  }
}

function randomComparison(family: 4 | 6, seed: number): void {
  const rand = prng(seed);
  const size = family === 4 ? 4 : 16;
  const bits = size * 8;
  const owners = 40;
  // Prefixes cluster under a few roots so they nest and overlap a lot.
  const roots = Array.from({ length: 6 }, () => Uint8Array.from({ length: size }, () => rand(256)));
  const randomAddress = (): Uint8Array => {
    const a = Uint8Array.from(roots[rand(roots.length)] ?? new Uint8Array(size));
    const keep = rand(bits + 1);
    for (let i = keep; i < bits; i++) if (rand(2) === 1) a[i >> 3] = (a[i >> 3] ?? 0) ^ (0x80 >> (i & 7));
    return a;
  };
  const randomPrefix = (): Prefix => ({ family, bytes: randomAddress(), cidr: rand(bits + 1) });

  const trie = new AllowedIps<number>();
  const model = new LinearModel();
  const inserted: Prefix[] = [];
  for (let step = 0; step < 3000; step++) {
    const op = rand(100);
    if (op < 80 || inserted.length === 0) {
      const p = rand(5) === 0 && inserted.length > 0 ? (inserted[rand(inserted.length)] as Prefix) : randomPrefix();
      const owner = rand(owners);
      trie.insert(p, owner);
      model.insert(p, owner);
      inserted.push(p);
    } else if (op < 95) {
      const p = inserted[rand(inserted.length)] as Prefix;
      const owner = rand(owners);
      assert.equal(trie.removeExact(p, owner), model.removeExact(p, owner), `removeExact ${formatPrefix(p)} ${owner}`);
    } else {
      const owner = rand(owners);
      trie.removeByOwner(owner);
      model.removeByOwner(owner);
    }
    if (step % 10 === 0) {
      for (let i = 0; i < 20; i++) {
        const a = randomAddress();
        assert.equal(trie.lookup(a), model.lookup(a), `step ${step}: lookup of ${Buffer.from(a).toString("hex")}`);
      }
    }
  }
  for (let owner = 0; owner < owners; owner++) assert.deepEqual(trie.prefixesOf(owner).map(formatPrefix), model.prefixesOf(owner), `owner ${owner}`);
  for (let owner = 0; owner < owners; owner++) {
    trie.removeByOwner(owner);
    model.removeByOwner(owner);
  }
  for (let i = 0; i < 200; i++) assert.equal(trie.lookup(randomAddress()), undefined, "empty after removing everyone");
}

describe("AllowedIps: random tables against a linear longest-prefix model", () => {
  it("IPv4", () => {
    for (const seed of [1, 2, 3]) randomComparison(4, seed);
  });
  it("IPv6", () => {
    for (const seed of [4, 5, 6]) randomComparison(6, seed);
  });
});
