// Packet rate through the addon: writes ICMP echo requests into a TUN device
// in a namespace of our own and reads the kernel's replies back, keeping a
// fixed number in flight. Reports packets/s each way and the mean batch size
// the event-loop poll hands to JS. Run as root:
//   node --import tsx packages/tun/bench/echo.bench.ts [seconds] [in-flight]
import { openTun } from "../src/index.js";
import { Netns, uniqueName } from "../test/support/netns.js";
import { icmpEcho, ipv4, PROTO_ICMP } from "../test/support/ipv4.js";

const seconds = Number(process.argv[2] ?? 3);
const inFlight = Number(process.argv[3] ?? 256);

const ns = new Netns();
const tun = openTun(uniqueName());
try {
  ns.adopt(tun.name, "10.77.0.1/24");
  const requests = Array.from({ length: inFlight }, (_, i) => ipv4(PROTO_ICMP, "10.77.0.2", "10.77.0.1", icmpEcho(8, 1, i, new Uint8Array(56))));
  let replies = 0;
  let batches = 0;
  let sent = 0;
  await new Promise<void>((resolve) => {
    const start = process.hrtime.bigint();
    tun.onPackets((packets) => {
      batches++;
      replies += packets.length;
      // Refill what came back so `inFlight` requests stay outstanding.
      sent += tun.write(requests.slice(0, packets.length));
      if (Number(process.hrtime.bigint() - start) / 1e9 >= seconds) {
        const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
        const s = tun.stats();
        console.log(
          `echo via TUN: ${Math.round(replies / elapsed)} replies/s, ${Math.round(sent / elapsed)} writes/s, ` +
            `mean batch ${(replies / batches).toFixed(1)}, dropped full ${s.txDroppedFull}, dropped error ${s.txDroppedError}`,
        );
        resolve();
      }
    });
    sent += tun.write(requests);
  });
} finally {
  tun.close();
  ns.destroy();
}
