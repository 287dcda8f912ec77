// The UDP edge's two helpers on their own: SendQueue against a real
// BatchUdpSocket and node:dgram receivers (batches beyond its capacity, IPv4
// text and kernel records as destinations, bad text refused), and
// SourceCache's identity and two-generation bound.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createSocket, type Socket } from "node:dgram";
import { BatchUdpSocket, encodeUdpAddress, UDP_RECORD_SIZE } from "@plug/fastpath";
import { SendQueue } from "../src/net/send-queue.js";
import { SourceCache } from "../src/net/source-cache.js";

function bound(address: string): Promise<Socket> {
  return new Promise((resolve) => {
    const s = createSocket("udp4");
    s.bind(0, address, () => resolve(s));
  });
}

function collect(s: Socket, n: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const got: string[] = [];
    const timer = setTimeout(() => reject(new Error(`only ${got.length} of ${n} datagrams arrived`)), 5000);
    s.on("message", (m) => {
      got.push(m.toString());
      if (got.length === n) {
        clearTimeout(timer);
        resolve(got);
      }
    });
  });
}

describe("SendQueue", () => {
  it("delivers more than its capacity, in order, to text and record destinations", async () => {
    const sock = BatchUdpSocket.openAt("127.0.0.1", 0, 1 << 20);
    const a = await bound("127.0.0.1");
    const b = await bound("127.0.0.2");
    try {
      const q = new SendQueue(sock);
      const record = new Uint8Array(2 * UDP_RECORD_SIZE);
      assert.ok(encodeUdpAddress("127.0.0.2", b.address().port, record.subarray(UDP_RECORD_SIZE)));
      // 2 x 200 passes the queue's capacity of 256 once; 200 per receiver stays within a default receive buffer.
      const n = 200;
      const gotA = collect(a, n);
      const gotB = collect(b, n);
      for (let i = 0; i < n; i++) {
        assert.ok(q.pushIpv4(Buffer.from(`a${i}`), "127.0.0.1", a.address().port));
        q.push(Buffer.from(`b${i}`), record, UDP_RECORD_SIZE);
      }
      q.flush();
      assert.equal(sock.stats().txDatagrams, 2 * n);
      assert.deepEqual(await gotA, Array.from({ length: n }, (_, i) => `a${i}`));
      assert.deepEqual(await gotB, Array.from({ length: n }, (_, i) => `b${i}`));
    } finally {
      sock.close();
      a.close();
      b.close();
    }
  });

  it("refuses what is not a dotted quad and queues nothing for it", () => {
    const sock = BatchUdpSocket.openAt("127.0.0.1", 0, 0);
    try {
      const q = new SendQueue(sock);
      for (const bad of ["", "1.2.3", "1.2.3.4.5", "256.0.0.1", "1..2.3", "1.2.3.4 ", "::1", "a.b.c.d", "1234.1.1.1"]) {
        assert.equal(q.pushIpv4(Uint8Array.of(1), bad, 9), false, bad);
      }
      q.flush();
      assert.equal(sock.stats().txDatagrams, 0);
    } finally {
      sock.close();
    }
  });
});

describe("SourceCache", () => {
  const rec = (a: number, b: number, c: number, d: number): Uint8Array => Uint8Array.of(a, b, c, d);

  it("one Source per (socket, address, port), with the canonical text and id", () => {
    const cache = new SourceCache();
    const s = cache.ipv4(1, rec(10, 0, 200, 7), 0, 4500);
    assert.deepEqual(s.endpoint, { family: 4, address: "10.0.200.7", port: 4500 });
    assert.equal(s.local, 1);
    assert.equal(s.id, "u1|10.0.200.7|4500");
    assert.equal(cache.ipv4(1, rec(10, 0, 200, 7), 0, 4500), s);
    assert.notEqual(cache.ipv4(0, rec(10, 0, 200, 7), 0, 4500), s);
    assert.notEqual(cache.ipv4(1, rec(10, 0, 200, 7), 0, 4501), s);
    assert.equal(cache.ipv4(3, rec(255, 255, 255, 255), 0, 65535).id, "u3|255.255.255.255|65535");
  });

  it("stays bounded under a flood of one-off sources and keeps a path in use", () => {
    const cache = new SourceCache();
    const hot = cache.ipv4(0, rec(192, 0, 2, 1), 0, 1);
    for (let i = 0; i < 300_000; i++) {
      cache.ipv4(0, rec(10, (i >> 16) & 255, (i >> 8) & 255, i & 255), 0, 2);
      if (i % 50_000 === 0) assert.equal(cache.ipv4(0, rec(192, 0, 2, 1), 0, 1), hot);
    }
    const sizes = (cache as unknown as { current: Map<number, unknown>; previous: Map<number, unknown> });
    assert.ok(sizes.current.size + sizes.previous.size <= 2 * 65_536);
  });
});
