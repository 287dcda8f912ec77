import { test } from "node:test";
import assert from "node:assert/strict";
import { formatIp, formatPrefix, keyToBase64 } from "@plug/wireguard";
import { ConfigError, parseConfig } from "../src/config/index.js";

const PRIV = "WAmgVYXkbT2bCtdcDwolI88/iVi/aV3/PHcUBTQSYmo=";
const PUB = "K5sF9yESrSBsOXPd6TcpKNgqoy1Ik3ZFKl4FolzrRyI=";
const PUB2 = "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=";
const PSK = "FpCyhws9cxwWoV4xELtfJvjJN+zQVRPISllRWgeopVE=";

function errorOf(text: string, path = "/etc/plug/wg0.conf"): ConfigError {
  try {
    parseConfig(text, path);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err;
  }
  assert.fail("expected a ConfigError");
}

test("parses every [Interface] and [Peer] key", () => {
  const cfg = parseConfig(
    `# plug test config
[Interface]
PrivateKey = ${PRIV}
ListenPort = 51820
FwMark = 0x1234
Address = 10.0.0.1/24, fd00::1/64
Address = 10.0.1.7
MTU = 1380
DNS = 10.0.0.53, fd00::53, corp.example, example.org
Table = 1234
PreUp = echo "pre up %i" > /tmp/x
PostUp = ip rule add  from  10.0.0.1 table 7
PreDown = logger   down %i
PostDown = true
PostDown = echo second
SaveConfig = true

[Peer]
PublicKey = ${PUB}
PresharedKey = ${PSK}
AllowedIPs = 10.0.0.0/24, 10.1.0.20/29
AllowedIPs = fd00::/64, 192.168.1.1
Endpoint = vpn.example.com:51820
PersistentKeepalive = 25

[Peer]
PublicKey = ${PUB2}
Endpoint = [2001:db8::1]:443
AllowedIPs = ::/0
`,
    "/etc/plug/wg0.conf",
  );
  assert.equal(cfg.path, "/etc/plug/wg0.conf");
  const i = cfg.iface;
  assert.equal(keyToBase64(i.privateKey ?? new Uint8Array()), PRIV);
  assert.equal(i.listenPort, 51820);
  assert.equal(i.fwmark, 0x1234);
  assert.deepEqual(
    i.addresses.map((a) => `${formatIp(a.address)}/${a.cidr}/v${a.family}`),
    ["10.0.0.1/24/v4", "fd00::1/64/v6", "10.0.1.7/32/v4"],
  );
  assert.equal(i.mtu, 1380);
  assert.deepEqual(i.dns, ["10.0.0.53", "fd00::53"]);
  assert.deepEqual(i.dnsSearch, ["corp.example", "example.org"]);
  assert.equal(i.table, 1234);
  assert.deepEqual(i.preUp, ['echo "pre up %i" > /tmp/x']);
  assert.deepEqual(i.postUp, ["ip rule add  from  10.0.0.1 table 7"]);
  assert.deepEqual(i.preDown, ["logger   down %i"]);
  assert.deepEqual(i.postDown, ["true", "echo second"]);
  assert.equal(i.saveConfig, true);

  assert.equal(cfg.peers.length, 2);
  const [p1, p2] = cfg.peers;
  assert.ok(p1 && p2);
  assert.equal(keyToBase64(p1.publicKey), PUB);
  assert.equal(keyToBase64(p1.presharedKey ?? new Uint8Array()), PSK);
  assert.deepEqual(p1.allowedIps.map(formatPrefix), ["10.0.0.0/24", "10.1.0.16/29", "fd00::/64", "192.168.1.1/32"]);
  assert.deepEqual(p1.endpoint, { host: "vpn.example.com", port: 51820 });
  assert.equal(p1.persistentKeepalive, 25);
  assert.equal(p1.line, 18);
  assert.equal(keyToBase64(p2.publicKey), PUB2);
  assert.equal(p2.presharedKey, undefined);
  assert.deepEqual(p2.endpoint, { host: "2001:db8::1", port: 443 });
  assert.deepEqual(p2.allowedIps.map(formatPrefix), ["::/0"]);
  assert.equal(p2.persistentKeepalive, undefined);
  assert.equal(p2.line, 26);
});

test("an empty file and a peers-only file are valid, with empty defaults", () => {
  const empty = parseConfig("", "e.conf");
  assert.deepEqual(empty.peers, []);
  assert.deepEqual(empty.iface, { addresses: [], dns: [], dnsSearch: [], preUp: [], postUp: [], preDown: [], postDown: [] });
  const peersOnly = parseConfig(`[Peer]\nPublicKey=${PUB}\n`, "p.conf");
  assert.equal(peersOnly.peers.length, 1);
  assert.deepEqual(peersOnly.peers[0]?.allowedIps, []);
});

test("section and key names are case-insensitive; whitespace, CRLF and comments are ignored", () => {
  const cfg = parseConfig(
    `\uFEFF  [iNTERFACE]  # the interface\r\n\tprivatekey=${PRIV}#trailing comment\r\nLISTENPORT =  5 1 8 2 0\r\n# [Peer] commented out\r\n[ peer ]\r\npublickey\t=\t${PUB}\r\nallowedips = 10.0.0.0 / 8 , \r\n`,
    "c.conf",
  );
  assert.equal(cfg.iface.listenPort, 51820);
  assert.equal(cfg.peers.length, 1);
  assert.deepEqual(cfg.peers[0]?.allowedIps.map(formatPrefix), ["10.0.0.0/8"]);
});

test("hooks keep inner spaces but lose comments, as wg-quick reads them", () => {
  const cfg = parseConfig("[Interface]\nPostUp =   iptables -A FORWARD -i %i -j ACCEPT   # allow forwarding\n", "h.conf");
  assert.deepEqual(cfg.iface.postUp, ["iptables -A FORWARD -i %i -j ACCEPT"]);
});

test("FwMark: decimal, 0x hex, off; PersistentKeepalive: off, 0, 1-65535", () => {
  const mark = (v: string) => parseConfig(`[Interface]\nFwMark=${v}\n`, "f").iface.fwmark;
  assert.equal(mark("off"), 0);
  assert.equal(mark("OFF"), 0);
  assert.equal(mark("0"), 0);
  assert.equal(mark("51820"), 51820);
  assert.equal(mark("0xca6c"), 51820);
  assert.equal(mark("0xffffffff"), 0xffffffff);
  assert.equal(mark("4294967295"), 4294967295);
  const ka = (v: string) => parseConfig(`[Peer]\nPublicKey=${PUB}\nPersistentKeepalive=${v}\n`, "k").peers[0]?.persistentKeepalive;
  assert.equal(ka("off"), 0);
  assert.equal(ka("0"), 0);
  assert.equal(ka("1"), 1);
  assert.equal(ka("65535"), 65535);
});

test("Table: off, auto, number or name; SaveConfig true/false", () => {
  const table = (v: string) => parseConfig(`[Interface]\nTable=${v}\n`, "t").iface.table;
  assert.equal(table("off"), "off");
  assert.equal(table("Auto"), "auto");
  assert.equal(table("51820"), 51820);
  assert.equal(table("main"), "main");
  assert.equal(table("vpn_table"), "vpn_table");
  assert.equal(parseConfig("[Interface]\nSaveConfig=false\n", "s").iface.saveConfig, false);
});

test("Endpoint forms: IPv4, bracketed IPv6 with zone, host name", () => {
  const ep = (v: string) => parseConfig(`[Peer]\nPublicKey=${PUB}\nEndpoint=${v}\n`, "e").peers[0]?.endpoint;
  assert.deepEqual(ep("192.0.2.1:51820"), { host: "192.0.2.1", port: 51820 });
  assert.deepEqual(ep("[fe80::1%eth0]:1"), { host: "fe80::1%eth0", port: 1 });
  assert.deepEqual(ep("host-1.example.:65535"), { host: "host-1.example.", port: 65535 });
});

test("repeated AllowedIPs append; host bits are masked; empty values add nothing", () => {
  const cfg = parseConfig(
    `[Peer]\nPublicKey=${PUB}\nAllowedIPs=10.0.0.1/8\nAllowedIPs=\nAllowedIPs=2001:db8::dead:beef/32,\nAllowedIPs = 64.15.123.211/25\n`,
    "a",
  );
  assert.deepEqual(cfg.peers[0]?.allowedIps.map(formatPrefix), ["10.0.0.0/8", "2001:db8::/32", "64.15.123.128/25"]);
});

test("reserved coordination keys are parsed and validated", () => {
  const cfg = parseConfig(
    `[Interface]\nCoordinator = coord.example.net:3478\nCoordinatorKey = ${PUB}\nCoordinatorWebSocket = wss://coord.example.net/relay\nPortMapping = auto\n`,
    "r",
  );
  assert.deepEqual(cfg.iface.coordinator, { host: "coord.example.net", port: 3478 });
  assert.equal(keyToBase64(cfg.iface.coordinatorKey ?? new Uint8Array()), PUB);
  assert.equal(cfg.iface.coordinatorWebSocket, "wss://coord.example.net/relay");
  assert.equal(cfg.iface.portMapping, "auto");
  assert.equal(parseConfig("[Interface]\nCoordinator=off\nPortMapping=false\n", "r").iface.coordinator, "off");
  assert.equal(parseConfig("[Interface]\nPortMapping=off\n", "r").iface.portMapping, "off");
  assert.equal(errorOf("[Interface]\nCoordinatorWebSocket = https://x.example/\n").message, "/etc/plug/wg0.conf:2: CoordinatorWebSocket must be a ws:// or wss:// URL");
  assert.equal(errorOf("[Interface]\nPortMapping = maybe\n").key, "PortMapping");
  assert.equal(errorOf("[Interface]\nCoordinator = nohost\n").key, "Coordinator");
  assert.equal(errorOf("[Interface]\nCoordinatorKey = abc\n").key, "CoordinatorKey");
  assert.equal(errorOf("[Peer]\nPublicKey=" + PUB + "\nCoordinator = a.b:1\n").line, 3);
});

// Every error: exact "file:line: message" and the key it names.
const errorCases: Array<[string, string, number, string, string | undefined]> = [
  ["key outside a section", "ListenPort = 1\n", 1, 'key "ListenPort" appears before any [Interface] or [Peer] section', "ListenPort"],
  ["unknown section", "[Interface]\n[Peers]\n", 2, "unknown section; expected [Interface] or [Peer]", undefined],
  ["unknown key", "[Interface]\n\nListenPrt = 1\n", 3, 'unknown key "ListenPrt" in [Interface]', "ListenPrt"],
  ["wg-quick key in [Peer]", `[Peer]\nPublicKey=${PUB}\nAddress=10.0.0.1\n`, 3, 'unknown key "Address" in [Peer]', "Address"],
  ["peer key in [Interface]", "[Interface]\nEndpoint=1.2.3.4:5\n", 2, 'unknown key "Endpoint" in [Interface]', "Endpoint"],
  ["no equals sign", "[Interface]\nListenPort 51820\n", 2, "expected a [Section] header or Key = Value", undefined],
  ["duplicate key", "[Interface]\nListenPort=1\nlistenport=2\n", 3, "ListenPort is already set on line 2", "ListenPort"],
  ["duplicate [Interface]", "[Interface]\n[Peer]\nPublicKey=" + PUB + "\n[Interface]\n", 4, "duplicate [Interface] section (first on line 1)", undefined],
  ["peer without PublicKey", "[Interface]\n[Peer]\nAllowedIPs=10.0.0.0/8\n[Peer]\nPublicKey=" + PUB + "\n", 2, "[Peer] section has no PublicKey", "PublicKey"],
  ["last peer without PublicKey", "[Peer]\nPublicKey=" + PUB + "\n[Peer]\n", 3, "[Peer] section has no PublicKey", "PublicKey"],
  ["same peer twice", `[Peer]\nPublicKey=${PUB}\n[Peer]\n\nPublicKey=${PUB}\n`, 5, "PublicKey is the same as the peer on line 1", "PublicKey"],
  ["bad PrivateKey", "[Interface]\nPrivateKey=WAmgVYXkbT2bCtdcDwolI88/iVi/aV3/PHcUBTQSYmp=\n", 2, "PrivateKey is not a valid key (44 characters of canonical base64)", "PrivateKey"],
  ["empty PrivateKey", "[Interface]\nPrivateKey=\n", 2, "PrivateKey is not a valid key (44 characters of canonical base64)", "PrivateKey"],
  ["bad PublicKey", "[Peer]\nPublicKey=abc\n", 2, "PublicKey is not a valid key (44 characters of canonical base64)", "PublicKey"],
  ["bad PresharedKey", `[Peer]\nPublicKey=${PUB}\nPresharedKey=${PSK.slice(1)}\n`, 3, "PresharedKey is not a valid key (44 characters of canonical base64)", "PresharedKey"],
  ["ListenPort too big", "[Interface]\nListenPort=65536\n", 2, "ListenPort must be a port number 0-65535", "ListenPort"],
  ["ListenPort service name", "[Interface]\nListenPort=https\n", 2, "ListenPort must be a port number 0-65535", "ListenPort"],
  ["FwMark too big", "[Interface]\nFwMark=0x100000000\n", 2, "FwMark must be off, a decimal number or 0x hex up to 0xffffffff", "FwMark"],
  ["FwMark uppercase 0X", "[Interface]\nFwMark=0XFF\n", 2, "FwMark must be off, a decimal number or 0x hex up to 0xffffffff", "FwMark"],
  ["FwMark negative", "[Interface]\nFwMark=-1\n", 2, "FwMark must be off, a decimal number or 0x hex up to 0xffffffff", "FwMark"],
  ["bad Address", "[Interface]\nAddress=10.0.0.300/24\n", 2, 'Address has an invalid IP address "10.0.0.300"', "Address"],
  ["bad Address prefix", "[Interface]\nAddress=10.0.0.1/33\n", 2, 'Address has an invalid prefix length in "10.0.0.1/33"', "Address"],
  ["MTU too small", "[Interface]\nMTU=67\n", 2, "MTU must be an MTU 68-65535", "MTU"],
  ["MTU not a number", "[Interface]\nMTU=auto\n", 2, "MTU must be an MTU 68-65535", "MTU"],
  ["bad nameserver", "[Interface]\nDNS=1.2.3\n", 2, 'DNS has an invalid nameserver address "1.2.3"', "DNS"],
  ["bad search domain", "[Interface]\nDNS=bad_domain!\n", 2, 'DNS has an invalid search domain "bad_domain!"', "DNS"],
  ["bad Table", "[Interface]\nTable=0\n", 2, "Table must be off, auto, a table id 1-4294967295 or a table name", "Table"],
  ["bad SaveConfig", "[Interface]\nSaveConfig=yes\n", 2, "SaveConfig must be true or false", "SaveConfig"],
  ["bad AllowedIPs", `[Peer]\nPublicKey=${PUB}\nAllowedIPs=10.0.0.0/8,10.0.0.0/40\n`, 3, 'AllowedIPs has an invalid prefix "10.0.0.0/40"', "AllowedIPs"],
  ["incremental AllowedIPs", `[Peer]\nPublicKey=${PUB}\nAllowedIPs=+10.0.0.0/8\n`, 3, "AllowedIPs entries with a +/- prefix are for incremental `wg set`, not a config file", "AllowedIPs"],
  ["Endpoint without port", `[Peer]\nPublicKey=${PUB}\nEndpoint=192.0.2.1\n`, 3, "Endpoint must be host:port or [IPv6]:port", "Endpoint"],
  ["Endpoint bare IPv6", `[Peer]\nPublicKey=${PUB}\nEndpoint=2001:db8::1:51820\n`, 3, "Endpoint must put an IPv6 address in brackets: [IPv6]:port", "Endpoint"],
  ["Endpoint port 0", `[Peer]\nPublicKey=${PUB}\nEndpoint=192.0.2.1:0\n`, 3, "Endpoint must be host:port with a port 1-65535", "Endpoint"],
  ["Endpoint bad host", `[Peer]\nPublicKey=${PUB}\nEndpoint=bad!host:1\n`, 3, "Endpoint has an invalid host", "Endpoint"],
  ["Endpoint brackets around IPv4", `[Peer]\nPublicKey=${PUB}\nEndpoint=[192.0.2.1]:1\n`, 3, "Endpoint must have an IPv6 address inside [ ]", "Endpoint"],
  ["PersistentKeepalive too big", `[Peer]\nPublicKey=${PUB}\nPersistentKeepalive=65536\n`, 3, "PersistentKeepalive must be off or 0-65535 seconds", "PersistentKeepalive"],
  ["duplicate Endpoint", `[Peer]\nPublicKey=${PUB}\nEndpoint=1.2.3.4:1\nEndpoint=1.2.3.4:2\n`, 4, "Endpoint is already set on line 3", "Endpoint"],
];

for (const [name, text, line, message, key] of errorCases) {
  test(`error: ${name}`, () => {
    const err = errorOf(text);
    assert.equal(err.message, `/etc/plug/wg0.conf:${line}: ${message}`);
    assert.equal(err.file, "/etc/plug/wg0.conf");
    assert.equal(err.line, line);
    assert.equal(err.key, key);
  });
}

test("error messages never contain key material", () => {
  const secret = "WAmgVYXkbT2bCtdcDwolI88/iVi/aV3/PHcUBTQSYmp="; // non-canonical, so rejected
  for (const text of [
    `[Interface]\nPrivateKey=${secret}\n`,
    `[Interface]\n${PRIV}\n`,
    `${PRIV}=1\n`,
    `[Interface]\n${PRIV} = x\n`,
    `[Interface]\nPrivateKey=${PRIV}\nPrivateKey=${PRIV}\n`,
    `[Peer]\nPublicKey=${PUB}\nPresharedKey=${PSK}x\n`,
    `[${PRIV}]\n`,
  ]) {
    const err = errorOf(text);
    for (const k of [secret, PRIV, PSK, PRIV.slice(0, 20), PSK.slice(0, 20)]) assert.ok(!err.message.includes(k), err.message);
  }
});
