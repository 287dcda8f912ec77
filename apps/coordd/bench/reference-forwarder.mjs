// The reference for the relay rows of bench:coordd: the least a Node
// process can do per relayed datagram with node:dgram (receive, send it on
// unchanged to a fixed address; no parsing, no limits; the same socket
// options as coordd's, literal-address lookup included). coordd's
// relay is measured against it in the same run, so the ratio says how much
// of the per-datagram cost is coordd's own and how much is Node's UDP path.
//   node reference-forwarder.mjs DEST_PORT   (prints its own port, then forwards until killed)
import { createSocket } from "node:dgram";
import { literalLookup } from "../dist/net/literal-lookup.js";

const dest = Number(process.argv[2]);
const s = createSocket({ type: "udp4", recvBufferSize: 4 << 20, lookup: literalLookup });
s.on("message", (m) => s.send(m, dest, "127.0.0.1"));
s.bind(0, "127.0.0.1", () => process.stdout.write(`${s.address().port}\n`));
process.on("SIGTERM", () => process.exit(0));
