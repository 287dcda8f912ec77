// The codec's fast paths against the general code they shortcut: 64-bit
// counters without DataView, and the canonical-IPv4 path of writeEndpoint
// against @plug/wireguard's parser (non-canonical text must take the general path).
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { parseIp } from "@plug/wireguard/net";
import { readU64, writeU64 } from "../src/wire/u64.js";
import { writeEndpoint } from "../src/wire/endpoint.js";
import { ByteWriter } from "../src/wire/writer.js";

test("writeU64/readU64 match DataView's big-endian 64-bit store and load", () => {
  const values = [0n, 1n, 0xffn, 0xffffffffn, 0x100000000n, 0x123456789abcdefn, 2n ** 64n - 1n, -1n, 2n ** 64n + 5n];
  for (let i = 0; i < 200; i++) values.push(randomBytes(8).readBigUInt64BE(0) >> BigInt(i % 64));
  for (const v of values) {
    const ours = new Uint8Array(10);
    writeU64(ours, 1, v);
    const ref = new Uint8Array(10);
    new DataView(ref.buffer).setBigUint64(1, v);
    assert.deepEqual(ours, ref, `write ${v}`);
    assert.equal(readU64(ref, 1), new DataView(ref.buffer).getBigUint64(1), `read ${v}`);
  }
});

test("ByteWriter refuses to write past its end", () => {
  assert.throws(() => new ByteWriter(1).u16(1), RangeError);
  assert.throws(() => new ByteWriter(7).u64(1n), RangeError);
  assert.deepEqual(new ByteWriter(3).u8(0x1ff).u16(0x12345).done(), Uint8Array.of(0xff, 0x23, 0x45));
});

test("writeEndpoint: the IPv4 fast path agrees with the general parser", () => {
  const addresses = ["0.0.0.0", "1.2.3.4", "10.0.0.1", "192.168.100.200", "255.255.255.255", "127.0.0.1"];
  for (let i = 0; i < 100; i++) addresses.push([...randomBytes(4)].join("."));
  for (const address of addresses) {
    const w = new ByteWriter(7);
    writeEndpoint(w, { family: 4, address, port: 51820 });
    assert.deepEqual(w.done(), Uint8Array.of(4, 0xca, 0x6c, ...parseIp(address)), address);
  }
  // Not canonical or not an address: the general parser decides (it throws or parses), never the fast path.
  for (const address of ["01.2.3.4", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1..2.3", "a.b.c.d", ""]) {
    let general: Uint8Array | Error;
    try {
      general = Uint8Array.of(4, 0, 1, ...parseIp(address));
    } catch (e) {
      general = e as Error;
    }
    const w = new ByteWriter(7);
    try {
      writeEndpoint(w, { family: 4, address, port: 1 });
      assert.deepEqual(w.done(), general, address);
    } catch (e) {
      assert.ok(general instanceof Error, `${address}: fast path threw where the parser did not`);
      assert.ok(e instanceof Error);
    }
  }
});
