// A reference for the relay rows of bench:coordd: the least a Node process
// can do per relayed datagram with node:dgram (receive, send it on unchanged
// to a fixed address; no parsing, no limits; the socket options coordd used
// while it was on node:dgram, literal-address lookup included). coordd now
// uses @plug/fastpath's batched socket (reference-forwarder-batch.mjs is
// that one's reference); this one shows what node:dgram alone allows.
//   node reference-forwarder.mjs DEST_PORT   (prints its own port, then forwards until killed)
import { createSocket } from "node:dgram";
import { lookup as dnsLookup } from "node:dns";
import { isIP } from "node:net";

// node:dgram's default lookup passes every send through dns.lookup, which answers a literal on
// the next tick; answering literals at once took this forwarder from ~79k to ~102k datagrams per
// CPU-second (session 2).
function literalLookup(hostname, options, callback) {
  const family = isIP(hostname);
  if (family !== 0) callback(null, hostname, family);
  else dnsLookup(hostname, options, callback);
}

const dest = Number(process.argv[2]);
const s = createSocket({ type: "udp4", recvBufferSize: 4 << 20, lookup: literalLookup });
s.on("message", (m) => s.send(m, dest, "127.0.0.1"));
s.bind(0, "127.0.0.1", () => process.stdout.write(`${s.address().port}\n`));
process.on("SIGTERM", () => process.exit(0));
