// The UAPI text protocol (WIREGUARD.md §9) against an in-memory DeviceControl
// test double: framing, every set key, errno signs, get order, §9.6 captures.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { clampPrivateKey, keyToHex, parsePrefix, silentLogger, type DeviceControl } from "../src/index.js";
import { UapiSession, type UapiLimits } from "../src/uapi/index.js";
import { DeviceControlTestDouble, type DeviceControlTestDoublePeer } from "./support/device-control-double.js";

const hex = (k: Uint8Array): string => Buffer.from(k).toString("hex");

const K1 = "11".repeat(32);
const K2 = "22".repeat(32);
const PSK = "33".repeat(32);
const PRIV = "a8".repeat(32); // clamps to a8..68

async function exchange(control: DeviceControl, text: string, limits?: UapiLimits): Promise<{ reply: string; close: boolean }> {
  const session = new UapiSession(control, silentLogger, limits);
  const out = await session.receive(Buffer.from(text));
  return out;
}

async function set(control: DeviceControl, ...lines: string[]): Promise<string> {
  return (await exchange(control, `set=1\n${lines.map((l) => `${l}\n`).join("")}\n`)).reply;
}

const prefixes = (p: DeviceControlTestDoublePeer | undefined): string[] =>
  (p?.allowedIps ?? []).map((x) => `${x.family}:${hex(x.bytes)}/${x.cidr}`);
const asText = (...ps: string[]): string[] => ps.map((t) => parsePrefix(t)).map((x) => `${x.family}:${hex(x.bytes)}/${x.cidr}`);

describe("UAPI set, the §9.6 captures", () => {
  it("applies `wg setconf` byte for byte", async () => {
    const dev = new DeviceControlTestDouble();
    dev.ensurePeer(Buffer.from("44".repeat(32), "hex")); // replaced by replace_peers
    const capture =
      `set=1\nprivate_key=${PRIV}\nlisten_port=51820\nfwmark=16\nreplace_peers=true\n` +
      `public_key=${K1}\npreshared_key=${PSK}\nendpoint=127.0.0.1:51821\npersistent_keepalive_interval=25\n` +
      `replace_allowed_ips=true\nallowed_ip=10.0.0.2/32\nallowed_ip=fd00::2/128\n` +
      `public_key=${K2}\nendpoint=[::1]:4500\nreplace_allowed_ips=true\nallowed_ip=10.0.1.0/24\n\n`;
    const out = await exchange(dev, capture);
    assert.equal(out.reply, "errno=0\n\n");
    assert.equal(out.close, false);
    assert.equal(hex(dev.privateKey ?? new Uint8Array()), hex(clampPrivateKey(Buffer.from(PRIV, "hex"))));
    assert.equal(dev.listenPort, 51820);
    assert.equal(dev.fwmark, 16);
    assert.deepEqual([...dev.peers.keys()], [K1, K2]);
    const p1 = dev.peers.get(K1);
    assert.equal(hex(p1?.presharedKey ?? new Uint8Array()), PSK);
    assert.deepEqual(p1?.endpoint, { family: 4, address: "127.0.0.1", port: 51821 });
    assert.equal(p1?.persistentKeepalive, 25);
    assert.deepEqual(prefixes(p1), asText("10.0.0.2/32", "fd00::2/128"));
    const p2 = dev.peers.get(K2);
    assert.deepEqual(p2?.endpoint, { family: 6, address: "::1", port: 4500 });
    assert.deepEqual(prefixes(p2), asText("10.0.1.0/24"));
  });

  it("applies `wg set IF listen-port 0 fwmark off private-key /dev/null peer K remove`", async () => {
    const dev = new DeviceControlTestDouble();
    await set(dev, `private_key=${PRIV}`, "fwmark=7", `public_key=${K1}`);
    const reply = await set(dev, `private_key=${"0".repeat(64)}`, "listen_port=0", "fwmark=0", `public_key=${K1}`, "remove=true");
    assert.equal(reply, "errno=0\n\n");
    assert.equal(dev.privateKey, null);
    assert.equal(dev.fwmark, 0);
    assert.equal(dev.listenPort, 40000, "port 0 asks for a random port");
    assert.equal(dev.peers.size, 0);
  });

  it("applies `wg set IF peer K endpoint [::1]:51820 allowed-ips '' persistent-keepalive off preshared-key /dev/null`", async () => {
    const dev = new DeviceControlTestDouble();
    await set(dev, `public_key=${K1}`, `preshared_key=${PSK}`, "persistent_keepalive_interval=25", "allowed_ip=10.0.0.0/8");
    const reply = await set(
      dev, `public_key=${K1}`, `preshared_key=${"0".repeat(64)}`, "endpoint=[::1]:51820",
      "persistent_keepalive_interval=0", "replace_allowed_ips=true",
    );
    assert.equal(reply, "errno=0\n\n");
    const p = dev.peers.get(K1);
    assert.equal(p?.presharedKey, null);
    assert.equal(p?.persistentKeepalive, 0);
    assert.deepEqual(p?.endpoint, { family: 6, address: "::1", port: 51820 });
    assert.deepEqual(prefixes(p), []);
  });
});

describe("UAPI set semantics", () => {
  it("ignores a peer section whose public key is our own, silently", async () => {
    const dev = new DeviceControlTestDouble();
    await set(dev, `private_key=${PRIV}`);
    const own = dev.ownPublic() ?? "";
    const reply = await set(dev, `public_key=${own}`, "endpoint=1.2.3.4:5", "allowed_ip=10.0.0.0/8", "remove=true", `public_key=${K1}`);
    assert.equal(reply, "errno=0\n\n");
    assert.deepEqual([...dev.peers.keys()], [K1]);
    assert.deepEqual(prefixes(dev.peers.get(K1)), []);
  });

  it("update_only does not create a missing peer but updates an existing one", async () => {
    const dev = new DeviceControlTestDouble();
    assert.equal(await set(dev, `public_key=${K1}`, "update_only=true", "endpoint=1.2.3.4:5"), "errno=0\n\n");
    assert.equal(dev.peers.size, 0);
    await set(dev, `public_key=${K1}`);
    assert.equal(await set(dev, `public_key=${K1}`, "update_only=true", "endpoint=1.2.3.4:5"), "errno=0\n\n");
    assert.deepEqual(dev.peers.get(K1)?.endpoint, { family: 4, address: "1.2.3.4", port: 5 });
  });

  it("allowed_ip adds masked prefixes, moves them between peers, and -prefix removes only its own", async () => {
    const dev = new DeviceControlTestDouble();
    await set(dev, `public_key=${K1}`, "allowed_ip=10.1.0.20/29", "allowed_ip=0.0.0.0/0", `public_key=${K2}`, "allowed_ip=0.0.0.0/0");
    assert.deepEqual(prefixes(dev.peers.get(K1)), asText("10.1.0.16/29"));
    assert.deepEqual(prefixes(dev.peers.get(K2)), asText("0.0.0.0/0"));
    // K1 does not own 0.0.0.0/0, so removing it there changes nothing.
    await set(dev, `public_key=${K1}`, "allowed_ip=-0.0.0.0/0", "allowed_ip=-10.1.0.16/29");
    assert.deepEqual(prefixes(dev.peers.get(K1)), []);
    assert.deepEqual(prefixes(dev.peers.get(K2)), asText("0.0.0.0/0"));
  });

  it("applies lines in order and not transactionally: what precedes an error stays", async () => {
    const dev = new DeviceControlTestDouble();
    const reply = await set(dev, "fwmark=5", `public_key=${K1}`, "endpoint=1.2.3.4:5", "allowed_ip=10.0.0.1", "persistent_keepalive_interval=9");
    assert.equal(reply, "errno=-22\n\n");
    assert.equal(dev.fwmark, 5);
    assert.deepEqual(dev.peers.get(K1)?.endpoint, { family: 4, address: "1.2.3.4", port: 5 });
    assert.equal(dev.peers.get(K1)?.persistentKeepalive, 0, "lines after the error are not applied");
  });

  it("answers set failures with negative errno values", async () => {
    const cases: Array<[string[], string]> = [
      [["private_key=zz"], "errno=-22\n\n"],
      [[`private_key=${PRIV}0`], "errno=-22\n\n"],
      [["some_future_key=1"], "errno=-22\n\n"],
      [["listen_port=65536"], "errno=-22\n\n"],
      [["listen_port=-1"], "errno=-22\n\n"],
      [["listen_port="], "errno=-22\n\n"],
      [["fwmark=4294967296"], "errno=-22\n\n"],
      [["replace_peers=false"], "errno=-22\n\n"],
      [["no equals sign"], "errno=-71\n\n"],
      [[`public_key=${K1}`, "listen_port=1"], "errno=-22\n\n"],
      [[`public_key=${K1}`, "protocol_version=2"], "errno=-22\n\n"],
      [[`public_key=${K1}`, "endpoint=host.example:1"], "errno=-22\n\n"],
      [[`public_key=${K1}`, "endpoint=::1:51820"], "errno=-22\n\n"],
      [[`public_key=${K1}`, "allowed_ip=10.0.0.0/33"], "errno=-22\n\n"],
      [[`public_key=${K1}`, "remove=1"], "errno=-22\n\n"],
      [[`public_key=${K1}`, "persistent_keepalive_interval=65536"], "errno=-22\n\n"],
      [[`public_key=${K1.slice(2)}`], "errno=-22\n\n"],
    ];
    for (const [lines, want] of cases) {
      assert.equal(await set(new DeviceControlTestDouble(), ...lines), want, lines.join(" | "));
    }
  });

  it("accepts protocol_version=1, upper-case hex, leading zeros in numbers", async () => {
    const dev = new DeviceControlTestDouble();
    assert.equal(await set(dev, "listen_port=0051820", `public_key=${"AB".repeat(32)}`, "protocol_version=1"), "errno=0\n\n");
    assert.equal(dev.listenPort, 51820);
    assert.ok(dev.peers.has("ab".repeat(32)));
  });

  it("maps a taken listen port to errno=-98", async () => {
    const dev = new DeviceControlTestDouble({ busyPorts: [51820] });
    assert.equal(await set(dev, "listen_port=51820"), "errno=-98\n\n");
  });
});

describe("UAPI get", () => {
  it("prints keys in wireguard-go's order, byte for byte", async () => {
    const dev = new DeviceControlTestDouble();
    await set(
      dev, `private_key=${PRIV}`, "listen_port=51820", "fwmark=16",
      `public_key=${K1}`, `preshared_key=${PSK}`, "endpoint=127.0.0.1:51821", "persistent_keepalive_interval=25",
      "allowed_ip=10.0.0.2/32", "allowed_ip=fd00::2/128",
      `public_key=${K2}`, "endpoint=[0:0::1]:4500", "allowed_ip=::ffff:10.0.0.0/104",
    );
    const p1 = dev.peers.get(K1);
    if (p1 !== undefined) {
      p1.lastHandshake = { sec: 1700000000, nsec: 123456789 };
      p1.rxBytes = 292n;
      p1.txBytes = 204n;
    }
    const { reply, close } = await exchange(dev, "get=1\n\n");
    assert.equal(close, false);
    assert.equal(
      reply,
      `private_key=${keyToHex(clampPrivateKey(Buffer.from(PRIV, "hex")))}\nlisten_port=51820\nfwmark=16\n` +
        `public_key=${K1}\npreshared_key=${PSK}\nprotocol_version=1\nendpoint=127.0.0.1:51821\n` +
        `last_handshake_time_sec=1700000000\nlast_handshake_time_nsec=123456789\ntx_bytes=204\nrx_bytes=292\n` +
        `persistent_keepalive_interval=25\nallowed_ip=10.0.0.2/32\nallowed_ip=fd00::2/128\n` +
        `public_key=${K2}\npreshared_key=${"0".repeat(64)}\nprotocol_version=1\nendpoint=[::1]:4500\n` +
        `last_handshake_time_sec=0\nlast_handshake_time_nsec=0\ntx_bytes=0\nrx_bytes=0\n` +
        `persistent_keepalive_interval=0\nallowed_ip=::ffff:10.0.0.0/104\nerrno=0\n\n`,
    );
  });

  it("omits private_key, listen_port and fwmark when unset", async () => {
    assert.equal((await exchange(new DeviceControlTestDouble(), "get=1\n\n")).reply, "errno=0\n\n");
  });
});

describe("UAPI framing", () => {
  it("treats a connection that sends nothing as a probe", async () => {
    const session = new UapiSession(new DeviceControlTestDouble(), silentLogger);
    assert.deepEqual(await session.end(), { reply: "", close: true });
  });

  it("serves several requests on one connection, however the bytes are split", async () => {
    const dev = new DeviceControlTestDouble();
    const session = new UapiSession(dev, silentLogger);
    const stream = `set=1\nfwmark=3\n\nget=1\n\nset=1\nfwmark=x\n\nget=1\n\n`;
    let reply = "";
    for (const ch of stream) {
      const out = await session.receive(Buffer.from(ch));
      reply += out.reply;
      assert.equal(out.close, false);
    }
    assert.equal(reply, "errno=0\n\nfwmark=3\nerrno=0\n\nerrno=-22\n\nfwmark=3\nerrno=0\n\n");
  });

  it("closes on an unknown operation without replying", async () => {
    assert.deepEqual(await exchange(new DeviceControlTestDouble(), "hello=1\n"), { reply: "", close: true });
    assert.deepEqual(await exchange(new DeviceControlTestDouble(), "\n"), { reply: "", close: true });
  });

  it("rejects a get with trailing data (positive errno: wg parses only digits in a get)", async () => {
    assert.deepEqual(await exchange(new DeviceControlTestDouble(), "get=1\nx\n"), { reply: "errno=22\n\n", close: true });
  });

  it("applies a set cut short by EOF, as wireguard-go does", async () => {
    const dev = new DeviceControlTestDouble();
    const session = new UapiSession(dev, silentLogger);
    assert.equal((await session.receive(Buffer.from("set=1\nfwmark=9\nlisten_port=7"))).reply, "");
    assert.deepEqual(await session.end(), { reply: "errno=0\n\n", close: true });
    assert.equal(dev.fwmark, 9);
    assert.equal(dev.listenPort, 7);
  });

  it("enforces the line, line-count and request-size limits", async () => {
    const limits: UapiLimits = { maxLineBytes: 100, maxLines: 3, maxRequestBytes: 200 };
    const long = await exchange(new DeviceControlTestDouble(), `set=1\nfwmark=${"1".repeat(200)}`, limits);
    assert.deepEqual(long, { reply: "errno=-90\n\n", close: true });
    const dev = new DeviceControlTestDouble();
    const many = await exchange(dev, "set=1\nfwmark=1\nfwmark=2\nfwmark=3\nfwmark=4\n\n", limits);
    assert.deepEqual(many, { reply: "errno=-90\n\n", close: true });
    assert.equal(dev.fwmark, 0, "an over-limit request is not applied at all");
    const big = await exchange(new DeviceControlTestDouble(), `set=1\n${"fwmark=1\n".repeat(2)}${"x".repeat(90)}\n${"y".repeat(90)}\n`, limits);
    assert.deepEqual(big, { reply: "errno=-90\n\n", close: true });
    const op = await exchange(new DeviceControlTestDouble(), "g".repeat(150), limits);
    assert.deepEqual(op, { reply: "", close: true });
  });
});
