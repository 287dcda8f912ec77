// BatchUdpSocket.openAt (native/udp.c, udpOpenAt): a socket bound to one local
// address answers from that address, in both families, next to another
// socket on the same port and a different address; bad input fails clearly.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createSocket, type RemoteInfo, type Socket } from "node:dgram";
import { BatchUdpSocket, encodeUdpAddress, FastpathError, UDP_RECORD_SIZE } from "../src/index.js";

function bound(type: "udp4" | "udp6", address: string): Promise<Socket> {
  return new Promise((resolve) => {
    const s = createSocket(type);
    s.bind(0, address, () => resolve(s));
  });
}

function nextMessage(s: Socket): Promise<{ msg: Buffer; rinfo: RemoteInfo }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no datagram within 5 s")), 5000);
    s.once("message", (msg, rinfo) => {
      clearTimeout(timer);
      resolve({ msg, rinfo });
    });
  });
}

/** Echoes every datagram back to its sender from `sock`, tagged with `tag`. */
function echo(sock: BatchUdpSocket, tag: number): void {
  sock.onBatch(
    (payloads, records, count) => {
      const out: Uint8Array[] = [];
      let offset = 0;
      for (let i = 0; i < count; i++) {
        const r = i * UDP_RECORD_SIZE;
        const length = (records[r] ?? 0) | ((records[r + 1] ?? 0) << 8);
        out.push(Uint8Array.of(tag, ...payloads.subarray(offset, offset + length)));
        offset += length;
      }
      sock.send(out, records.slice(0, count * UDP_RECORD_SIZE), count);
    },
    () => {},
  );
}

describe("BatchUdpSocket.openAt", () => {
  it("two IPv4 addresses on one port: each answers from its own address", async () => {
    const a = BatchUdpSocket.openAt("127.0.0.1", 0, 1 << 20);
    const b = BatchUdpSocket.openAt("127.0.0.2", a.port, 1 << 20);
    const peer = await bound("udp4", "127.0.0.1");
    try {
      assert.equal(b.port, a.port);
      echo(a, 1);
      echo(b, 2);
      for (const [address, tag] of [["127.0.0.1", 1], ["127.0.0.2", 2]] as const) {
        const got = nextMessage(peer);
        peer.send(Buffer.from("hi"), a.port, address);
        const { msg, rinfo } = await got;
        assert.equal(msg[0], tag);
        assert.equal(msg.subarray(1).toString(), "hi");
        assert.equal(rinfo.address, address);
        assert.equal(rinfo.port, a.port);
      }
    } finally {
      a.close();
      b.close();
      peer.close();
    }
  });

  it("IPv6 loopback, and a wildcard \"::\" socket reaches IPv4 peers", async () => {
    const six = BatchUdpSocket.openAt("::1", 0, 0);
    const any = BatchUdpSocket.openAt("::", 0, 0);
    const peer6 = await bound("udp6", "::1");
    const peer4 = await bound("udp4", "127.0.0.1");
    try {
      echo(six, 6);
      echo(any, 9);
      let got = nextMessage(peer6);
      peer6.send(Buffer.from("x"), six.port, "::1");
      let r = await got;
      assert.equal(r.msg[0], 6);
      assert.equal(r.rinfo.address, "::1");
      got = nextMessage(peer4);
      peer4.send(Buffer.from("y"), any.port, "127.0.0.1");
      r = await got;
      assert.equal(r.msg[0], 9);
      assert.equal(r.rinfo.address, "127.0.0.1");
      assert.equal(r.rinfo.port, any.port);
    } finally {
      six.close();
      any.close();
      peer6.close();
      peer4.close();
    }
  });

  it("refuses text that is not an address, and a taken address with EADDRINUSE", () => {
    assert.throws(() => BatchUdpSocket.openAt("localhost", 0, 0), (e: unknown) => e instanceof FastpathError && e.code === "EINVAL");
    const a = BatchUdpSocket.openAt("127.0.0.1", 0, 0);
    try {
      assert.throws(() => BatchUdpSocket.openAt("127.0.0.1", a.port, 0), (e: unknown) => e instanceof FastpathError && e.code === "EADDRINUSE");
      const rec = new Uint8Array(UDP_RECORD_SIZE);
      assert.ok(encodeUdpAddress("127.0.0.1", a.port, rec));
    } finally {
      a.close();
    }
  });
});
