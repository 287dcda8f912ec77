// The UAPI socket server with the real `wg` tool as client, over a real UNIX
// socket in /var/run/wireguard (where wg looks). The device behind it is a
// small in-memory DeviceControl test double: the protocol details are covered
// in packages/wireguard/test/uapi.test.ts, this is about the socket.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { connect } from "node:net";
import { existsSync, mkdtempSync, rmSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { promisify } from "node:util";
import { clampPrivateKey, keyToBase64, publicKeyFromPrivate, silentLogger } from "@plug/wireguard";
import { DeviceControlTestDouble } from "../../../packages/wireguard/test/support/device-control-double.js";
import { DEFAULT_SOCKET_DIR, SocketInUseError, UapiServer } from "../src/uapi-server/index.js";

const run = promisify(execFile);
const hex = (k: Uint8Array): string => Buffer.from(k).toString("hex");

/** Unique per run: /var/run/wireguard is shared by every namespace and engineer. */
const name = (tag: string): string => `pdv${tag}${process.pid % 100000}`;

/** Sends raw bytes, half-closes, and collects everything until the server closes. */
function exchange(path: string, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const conn = connect(path, () => conn.end(text));
    let out = "";
    conn.setEncoding("utf8");
    conn.on("data", (d: string) => (out += d));
    conn.on("close", () => resolve(out));
    conn.on("error", reject);
  });
}

const servers: UapiServer[] = [];
after(async () => {
  for (const s of servers) await s.close();
});

describe("UAPI server", () => {
  it("serves the real wg tool: set, show dump, showconf", async () => {
    const ifname = name("w");
    const dev = new DeviceControlTestDouble();
    const server = await UapiServer.listen({ ifname, control: dev, log: silentLogger });
    servers.push(server);
    assert.equal(server.path, `${DEFAULT_SOCKET_DIR}/${ifname}.sock`);
    assert.equal(statSync(server.path).mode & 0o777, 0o700, "socket is srwx------");
    assert.equal(statSync(DEFAULT_SOCKET_DIR).mode & 0o777, 0o755);

    const priv = clampPrivateKey(Buffer.alloc(32, 7));
    const peer = publicKeyFromPrivate(clampPrivateKey(Buffer.alloc(32, 9)));
    const dir = mkdtempSync(`${tmpdir()}/pdv-`);
    try {
      writeFileSync(`${dir}/key`, `${keyToBase64(priv)}\n`, { mode: 0o600 });
      await run("wg", ["set", ifname, "private-key", `${dir}/key`, "listen-port", "51999", "fwmark", "0x10",
        "peer", keyToBase64(peer), "endpoint", "127.0.0.1:4000", "allowed-ips", "10.9.0.0/24,fd00::/64", "persistent-keepalive", "25"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    assert.equal(dev.listenPort, 51999);
    assert.equal(dev.fwmark, 16);
    const { stdout } = await run("wg", ["show", ifname, "dump"]);
    assert.equal(
      stdout,
      `${keyToBase64(priv)}\t${keyToBase64(publicKeyFromPrivate(priv))}\t51999\t0x10\n` +
        `${keyToBase64(peer)}\t(none)\t127.0.0.1:4000\t10.9.0.0/24,fd00::/64\t0\t0\t0\t25\n`,
    );
    const conf = (await run("wg", ["showconf", ifname])).stdout;
    assert.match(conf, /ListenPort = 51999\nFwMark = 0x10\n/);
    assert.match(conf, /AllowedIPs = 10\.9\.0\.0\/24, fd00::\/64\nEndpoint = 127\.0\.0\.1:4000\nPersistentKeepalive = 25\n/);
    // wg lists interfaces by probing every socket: that empty connection must be harmless.
    assert.match((await run("wg", ["show", "interfaces"])).stdout, new RegExp(`\\b${ifname}\\b`));
    await run("wg", ["set", ifname, "peer", keyToBase64(peer), "allowed-ips", "10.0.0.0/8"]);
    assert.equal(dev.peers.get(hex(peer))?.allowedIps.length, 1, "a set after the probes still works");
  });

  it("serves many requests on one connection and ignores an empty probe", async () => {
    const ifname = name("m");
    const dev = new DeviceControlTestDouble();
    const server = await UapiServer.listen({ ifname, control: dev, log: silentLogger });
    servers.push(server);
    assert.equal(await exchange(server.path, ""), "");
    const reply = await exchange(server.path, "set=1\nfwmark=5\n\nget=1\n\nset=1\nbogus=1\n\nget=1\n\n");
    assert.equal(reply, "errno=0\n\nfwmark=5\nerrno=0\n\nerrno=-22\n\nfwmark=5\nerrno=0\n\n");
    // A request line far over the limit closes the connection without buffering it.
    assert.equal(await exchange(server.path, `set=1\nfwmark=${"9".repeat(100_000)}\n\n`), "errno=-90\n\n");
  });

  it("refuses a live socket, replaces a stale one, and removes its own on close", async () => {
    const ifname = name("s");
    const first = await UapiServer.listen({ ifname, control: new DeviceControlTestDouble(), log: silentLogger });
    servers.push(first);
    await assert.rejects(UapiServer.listen({ ifname, control: new DeviceControlTestDouble(), log: silentLogger }), SocketInUseError);
    await first.close();
    assert.equal(existsSync(first.path), false);
    writeFileSync(first.path, ""); // stale leftover: nothing listens there
    const second = await UapiServer.listen({ ifname, control: new DeviceControlTestDouble(), log: silentLogger });
    servers.push(second);
    assert.equal(await exchange(second.path, "get=1\n\n"), "errno=0\n\n");
    await second.close();
    assert.equal(existsSync(second.path), false);
  });

  it("reports deletion of its socket file", async () => {
    const ifname = name("d");
    let removed!: () => void;
    const gone = new Promise<void>((resolve) => (removed = resolve));
    const server = await UapiServer.listen({ ifname, control: new DeviceControlTestDouble(), log: silentLogger, onSocketRemoved: () => removed() });
    servers.push(server);
    unlinkSync(server.path);
    await gone;
  });
});
