// The addon's batched UDP socket against Node's own dgram sockets on the
// loopback: batches in and out, address records in both families, the
// dual-stack mapping, and the errno codes the device relies on.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createSocket, type Socket } from "node:dgram";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { BatchUdpSocket, decodeUdpAddress, encodeUdpAddress, FastpathError, UDP_RECORD_SIZE } from "../src/index.js";

function bound(type: "udp4" | "udp6", address: string): Promise<Socket> {
  return new Promise((resolve) => {
    const s = createSocket(type);
    s.bind(0, address, () => resolve(s));
  });
}

function recordOf(address: string, port: number): Uint8Array {
  const r = new Uint8Array(UDP_RECORD_SIZE);
  assert.ok(encodeUdpAddress(address, port, r), address);
  return r;
}

interface Received {
  data: Buffer;
  address: string;
  port: number;
  family: number;
}

/** Collects datagrams from the addon socket until `n` arrived. */
function collect(sock: BatchUdpSocket, n: number, batches: number[]): Promise<Received[]> {
  return new Promise((resolve, reject) => {
    const got: Received[] = [];
    const timer = setTimeout(() => reject(new Error(`only ${got.length} of ${n} datagrams arrived`)), 5000);
    sock.onBatch(
      (payloads, records, count) => {
        batches.push(count);
        let offset = 0;
        for (let i = 0; i < count; i++) {
          const r = i * UDP_RECORD_SIZE;
          const length = (records[r] ?? 0) | ((records[r + 1] ?? 0) << 8) | ((records[r + 2] ?? 0) << 16);
          got.push({
            data: payloads.subarray(offset, offset + length),
            address: decodeUdpAddress(records, r),
            port: (records[r + 4] ?? 0) | ((records[r + 5] ?? 0) << 8),
            family: records[r + 6] ?? 0,
          });
          offset += length;
        }
        if (got.length >= n) {
          clearTimeout(timer);
          resolve(got);
        }
      },
      reject,
    );
  });
}

describe("BatchUdpSocket", () => {
  it("receives a burst in batches with each sender's address; IPv4 through a dual-stack socket is reported as IPv4", async () => {
    const sock = BatchUdpSocket.open(0, true, 1 << 20);
    const v4 = await bound("udp4", "127.0.0.1");
    const v6 = await bound("udp6", "::1");
    try {
      assert.ok(sock.port > 0);
      const batches: number[] = [];
      const done = collect(sock, 200, batches);
      for (let i = 0; i < 100; i++) {
        v4.send(Buffer.from(`four ${i}`), sock.port, "127.0.0.1");
        v6.send(Buffer.from(`six ${i}`), sock.port, "::1");
      }
      const got = await done;
      const fours = got.filter((d) => d.data.toString().startsWith("four "));
      const sixes = got.filter((d) => d.data.toString().startsWith("six "));
      assert.deepEqual(fours.map((d) => d.data.toString()), Array.from({ length: 100 }, (_, i) => `four ${i}`));
      assert.deepEqual(sixes.map((d) => d.data.toString()), Array.from({ length: 100 }, (_, i) => `six ${i}`));
      for (const d of fours) assert.deepEqual([d.family, d.address, d.port], [4, "127.0.0.1", v4.address().port]);
      for (const d of sixes) assert.deepEqual([d.family, d.address, d.port], [6, "::1", v6.address().port]);
      assert.ok(batches.some((n) => n > 1), `a burst arrives batched (batches: ${batches.join(",")})`);
    } finally {
      sock.close();
      v4.close();
      v6.close();
    }
  });

  it("sends a batch to several addresses in one call, in order, and counts what the kernel refuses", async () => {
    const sock = BatchUdpSocket.open(0, true, 1 << 20);
    const v4 = await bound("udp4", "127.0.0.1");
    const v6 = await bound("udp6", "::1");
    try {
      const to4: string[] = [];
      const to6: string[] = [];
      v4.on("message", (m, rinfo) => {
        to4.push(m.toString());
        assert.equal(rinfo.port, sock.port);
      });
      v6.on("message", (m) => to6.push(m.toString()));
      const r4 = recordOf("127.0.0.1", v4.address().port);
      const r6 = recordOf("::1", v6.address().port);
      // A mapped address text is stored as plain IPv4.
      assert.deepEqual(recordOf(`::ffff:127.0.0.1`, v4.address().port), r4);
      const datagrams: Uint8Array[] = [];
      const records = new Uint8Array(101 * UDP_RECORD_SIZE);
      for (let i = 0; i < 100; i++) {
        datagrams.push(Buffer.from(`d${i}`));
        records.set(i % 2 === 0 ? r4 : r6, i * UDP_RECORD_SIZE);
      }
      // Too big for UDP: refused on its own, the batch goes on.
      datagrams.splice(50, 0, new Uint8Array(70000));
      records.copyWithin(51 * UDP_RECORD_SIZE, 50 * UDP_RECORD_SIZE, 100 * UDP_RECORD_SIZE);
      records.set(r4, 50 * UDP_RECORD_SIZE);
      assert.equal(sock.send(datagrams, records, 101), 100);
      const stats = sock.stats();
      assert.equal(stats.txDatagrams, 100);
      assert.equal(stats.txErrors, 1);
      assert.ok(stats.txLastErrno > 0);
      const deadline = Date.now() + 5000;
      while (to4.length + to6.length < 100 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      assert.deepEqual(to4, Array.from({ length: 50 }, (_, i) => `d${2 * i}`));
      assert.deepEqual(to6, Array.from({ length: 50 }, (_, i) => `d${2 * i + 1}`));
    } finally {
      sock.close();
      v4.close();
      v6.close();
    }
  });

  it("segments runs of equal-size datagrams to one address (UDP GSO); the receiver still sees each datagram", async () => {
    {
      const sock = BatchUdpSocket.open(0, true, 1 << 22);
      const rx = await bound("udp4", "127.0.0.1");
      try {
        const got: string[] = [];
        rx.on("message", (m) => got.push(`${m.length}:${m[0]}`));
        const record = recordOf("127.0.0.1", rx.address().port);
        // 50 of 1452 bytes (a run holds at most 44: 64 KB), a short one that ends a run, 10 more;
        // few enough for the receiver's default socket buffer.
        const sizes = [...new Array<number>(50).fill(1452), 300, ...new Array<number>(10).fill(1452)];
        const datagrams = sizes.map((n, i) => new Uint8Array(n).fill(i & 0xff));
        const records = new Uint8Array(sizes.length * UDP_RECORD_SIZE);
        for (let i = 0; i < sizes.length; i++) records.set(record, i * UDP_RECORD_SIZE);
        assert.equal(sock.send(datagrams, records, sizes.length), sizes.length);
        assert.equal(sock.stats().gso, true, "the loopback accepts segmented sends");
        const deadline = Date.now() + 5000;
        while (got.length < sizes.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
        assert.deepEqual(got, sizes.map((n, i) => `${n}:${i & 0xff}`));
      } finally {
        sock.close();
        rx.close();
      }
    }
  });

  it("the kernel builds one UDP message for a run of 40 with GSO, 40 with PLUG_UDP_GSO=0 (fresh netns, root)", () => {
    const fixture = fileURLToPath(new URL("./fixtures/udp-gso-count.ts", import.meta.url));
    const run = (gso: string): { sent: number; counted: number; received: number; gso: boolean } =>
      JSON.parse(
        execFileSync("unshare", ["-n", "sh", "-c", `ip link set lo up && exec "${process.execPath}" --import tsx "${fixture}"`], {
          env: { ...process.env, PLUG_UDP_GSO: gso },
          encoding: "utf8",
        }),
      ) as { sent: number; counted: number; received: number; gso: boolean };
    assert.deepEqual(run("1"), { sent: 40, counted: 1, received: 40, gso: true });
    assert.deepEqual(run("0"), { sent: 40, counted: 40, received: 40, gso: false });
  });

  it("keeps segmented runs whole on receive (UDP GRO) and cuts them back into the same datagrams, in order", () => {
    const fixture = fileURLToPath(new URL("./fixtures/udp-gro-roundtrip.ts", import.meta.url));
    const run = (gro: string): Record<string, unknown> =>
      JSON.parse(
        execFileSync("unshare", ["-n", "sh", "-c", `ip link set lo up && exec "${process.execPath}" --import tsx "${fixture}"`], {
          env: { ...process.env, PLUG_UDP_GRO: gro, PLUG_UDP_GSO: "1" },
          encoding: "utf8",
        }),
      ) as Record<string, unknown>;
    const total = 50 + 1 + 10 + 4096;
    const on = run("1");
    assert.equal(on["gro"], true, "the kernel accepts UDP_GRO");
    assert.equal(on["txGso"], true);
    assert.deepEqual(
      { sent: on["sent"], received: on["received"], inOrderAndIntact: on["inOrderAndIntact"], firstWrong: on["firstWrong"], rxDatagrams: on["rxDatagrams"] },
      { sent: total, received: total, inOrderAndIntact: true, firstWrong: null, rxDatagrams: total },
    );
    // 2 + 1 + 64 GSO messages went out; every one that holds more than one datagram arrives whole.
    assert.ok((on["rxCoalesced"] as number) >= 60, `coalesced messages: ${String(on["rxCoalesced"])}`);
    assert.equal(on["maxBatch"], 1024, "a burst larger than the records array is handed over in several calls");
    const off = run("0");
    assert.deepEqual(
      { gro: off["gro"], received: off["received"], inOrderAndIntact: off["inOrderAndIntact"], rxCoalesced: off["rxCoalesced"] },
      { gro: false, received: total, inOrderAndIntact: true, rxCoalesced: 0 },
    );
    assert.ok((off["maxBatch"] as number) <= 64, "without GRO a batch is at most one recvmmsg of 64 datagrams");
  });

  it("an IPv4-only socket refuses IPv6 destinations one by one", () => {
    const sock = BatchUdpSocket.open(0, false, 0);
    try {
      assert.equal(sock.dualStack, false);
      assert.equal(sock.send([Uint8Array.of(1)], recordOf("::1", 9), 1), 0);
      assert.equal(sock.stats().txErrors, 1);
    } finally {
      sock.close();
    }
  });

  it("reports a taken port as EADDRINUSE and rejects what is not an address", async () => {
    const holder = await bound("udp6", "::");
    try {
      assert.throws(() => BatchUdpSocket.open(holder.address().port, true, 0), (err: unknown) => err instanceof FastpathError && err.code === "EADDRINUSE");
    } finally {
      holder.close();
    }
    assert.equal(encodeUdpAddress("not an address", 1, new Uint8Array(UDP_RECORD_SIZE)), false);
    assert.equal(encodeUdpAddress("fe80::1%no-such-if0", 1, new Uint8Array(UDP_RECORD_SIZE)), false);
    const scoped = recordOf("fe80::1%1", 7);
    assert.equal(decodeUdpAddress(scoped, 0), "fe80::1%lo");
  });
});
