// coordd's STUN against the Debian `stun` client (RFC 3489/5780 discovery
// with CHANGE-REQUEST), and an RFC 8489 request checked byte for byte.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createSocket } from "node:dgram";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";
import { decodeAddress, StunAttr, STUN_MAGIC_COOKIE as STUN_MAGIC } from "@plug/nat/stun/message";
import { startTestServer, type TestServer } from "./support.js";

const run = promisify(execFile);

/** An address attribute of coordd's answer, through the shared codec; xorId is header bytes 4..20 (cookie and transaction id). */
function decodeAddressValue(value: Uint8Array, xorId?: Uint8Array): ReturnType<typeof decodeAddress> {
  return decodeAddress(value, xorId?.subarray(4));
}

async function stunClient(port: number): Promise<string> {
  // The client exits non-zero to report the NAT type bitmask; -v prints the test results on stderr.
  const r = await run("stun", [`127.0.0.1:${port}`, "-v"], { timeout: 15_000 }).catch((e: { stdout?: string; stderr?: string }) => ({
    stdout: e.stdout ?? "",
    stderr: e.stderr ?? "",
  }));
  return r.stdout + r.stderr;
}

test("the Debian stun client completes all RFC 3489 tests with an alternate address and port", async () => {
  const srv: TestServer = await startTestServer(["--alt-address", "127.0.0.2"]);
  try {
    const out = await stunClient(srv.coordd.udpPort);
    assert.match(out, /test I = 1/);
    assert.match(out, /test II = 1/, "change IP and port answered from 127.0.0.2:alt");
    assert.match(out, /test III = 1/, "change port answered from the alternate port");
    assert.match(out, new RegExp(`ChangedAddress = 127\\.0\\.0\\.2:${srv.coordd.altUdpPort}`));
    assert.match(out, /Primary: Open/);
  } finally {
    await srv.close();
  }
});

test("without an alternate address, change-port still works and change-IP is refused", async () => {
  const srv = await startTestServer();
  try {
    const out = await stunClient(srv.coordd.udpPort);
    assert.match(out, /test I = 1/);
    assert.match(out, /test II = 0/);
    assert.match(out, /test III = 1/);
  } finally {
    await srv.close();
  }
});

test("an RFC 8489 binding request gets XOR-MAPPED-ADDRESS, RESPONSE-ORIGIN and OTHER-ADDRESS", async () => {
  const srv = await startTestServer(["--alt-address", "127.0.0.2"]);
  const sock = createSocket("udp4");
  try {
    await new Promise<void>((r) => sock.bind(0, "127.0.0.1", r));
    const req = Buffer.alloc(20);
    req.writeUInt16BE(0x0001, 0);
    req.writeUInt32BE(STUN_MAGIC, 4);
    randomBytes(12).copy(req, 8);
    const answer = new Promise<Buffer>((resolve) => sock.once("message", (m) => resolve(m)));
    sock.send(req, srv.coordd.udpPort, "127.0.0.1");
    const res = await answer;
    assert.equal(res.readUInt16BE(0), 0x0101);
    assert.equal(res.readUInt16BE(2), res.length - 20);
    assert.deepEqual(res.subarray(4, 20), req.subarray(4, 20));
    const attrs = new Map<number, Uint8Array>();
    for (let off = 20; off < res.length; ) {
      const t = res.readUInt16BE(off);
      const l = res.readUInt16BE(off + 2);
      attrs.set(t, res.subarray(off + 4, off + 4 + l));
      off += 4 + ((l + 3) & ~3);
    }
    const xor = attrs.get(StunAttr.XorMappedAddress);
    assert.ok(xor);
    assert.deepEqual(decodeAddressValue(xor, req.subarray(4, 20)), { family: 4, address: "127.0.0.1", port: sock.address().port });
    assert.deepEqual(decodeAddressValue(attrs.get(StunAttr.ResponseOrigin) ?? new Uint8Array()), { family: 4, address: "127.0.0.1", port: srv.coordd.udpPort });
    assert.deepEqual(decodeAddressValue(attrs.get(StunAttr.OtherAddress) ?? new Uint8Array()), { family: 4, address: "127.0.0.2", port: srv.coordd.altUdpPort });
    assert.ok(res.length <= 100);
  } finally {
    sock.close();
    await srv.close();
  }
});

test("an RFC 5780 change-IP request without an alternate address gets a 420 error, no larger than allowed", async () => {
  const srv = await startTestServer();
  const sock = createSocket("udp4");
  try {
    await new Promise<void>((r) => sock.bind(0, "127.0.0.1", r));
    const req = Buffer.alloc(28);
    req.writeUInt16BE(0x0001, 0);
    req.writeUInt16BE(8, 2);
    req.writeUInt32BE(STUN_MAGIC, 4);
    randomBytes(12).copy(req, 8);
    req.writeUInt16BE(StunAttr.ChangeRequest, 20);
    req.writeUInt16BE(4, 22);
    req.writeUInt32BE(0x04, 24);
    const answer = new Promise<Buffer>((resolve) => sock.once("message", (m) => resolve(m)));
    sock.send(req, srv.coordd.udpPort, "127.0.0.1");
    const res = await answer;
    assert.equal(res.readUInt16BE(0), 0x0111);
    assert.deepEqual(res.subarray(4, 20), req.subarray(4, 20));
    assert.ok(res.length <= 48);
  } finally {
    sock.close();
    await srv.close();
  }
});
