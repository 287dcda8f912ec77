import { test } from "node:test";
import assert from "node:assert/strict";
import { parseProcIpv6Route, parseProcNetRoute } from "../src/index.js";

test("/proc/net/route: default routes with the gateway flag, best metric first", () => {
  const table = [
    "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT",
    "wlan0\t00000000\t0101A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0",
    "eth0\t00000000\t014DA8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0",
    "eth0\t004DA8C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0",
    "tun0\t00000000\t00000000\t0001\t0\t0\t50\t00000000\t0\t0\t0",
    "garbage",
  ].join("\n");
  assert.deepEqual(parseProcNetRoute(table), [
    { family: 4, interface: "eth0", gateway: "192.168.77.1", metric: 100 },
    { family: 4, interface: "wlan0", gateway: "192.168.1.1", metric: 600 },
  ]);
});

test("/proc/net/ipv6_route: default via link-local gets its zone", () => {
  const table = [
    "00000000000000000000000000000000 00 00000000000000000000000000000000 00 fe80000000000000021122fffe334455 00000400 00000001 00000000 00000003 eth0",
    "20010db8000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001 eth0",
    "00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200 lo",
  ].join("\n");
  assert.deepEqual(parseProcIpv6Route(table), [{ family: 6, interface: "eth0", gateway: "fe80::211:22ff:fe33:4455%eth0", metric: 1024 }]);
});
