// The second reference for the relay rows of bench:coordd: the least a Node
// process can do per relayed datagram with the socket coordd now uses
// (@plug/fastpath's BatchUdpSocket: one recvmmsg per wakeup, the batch sent
// on unchanged to a fixed address in one sendmmsg; no parsing, no limits).
// coordd's relay per CPU-second against this one says how much of the cost
// is coordd's own logic.
//   node reference-forwarder-batch.mjs DEST_PORT   (prints its own port, then forwards until killed)
import { BatchUdpSocket, encodeUdpAddress, UDP_RECORD_SIZE, UDP_RECV_BATCH } from "../../../packages/fastpath/dist/index.js";

const dest = Number(process.argv[2]);
const s = BatchUdpSocket.openAt("127.0.0.1", 0, 4 << 20);
const records = new Uint8Array(UDP_RECV_BATCH * UDP_RECORD_SIZE);
for (let i = 0; i < UDP_RECV_BATCH; i++) encodeUdpAddress("127.0.0.1", dest, records.subarray(i * UDP_RECORD_SIZE, (i + 1) * UDP_RECORD_SIZE));
const out = [];
s.onBatch((payloads, recv, count) => {
  let offset = 0;
  out.length = 0;
  for (let i = 0; i < count; i++) {
    const r = i * UDP_RECORD_SIZE;
    const length = recv[r] | (recv[r + 1] << 8);
    out.push(payloads.subarray(offset, offset + length));
    offset += length;
  }
  s.send(out, records, count);
}, () => {});
process.stdout.write(`${s.port}\n`);
process.on("SIGTERM", () => process.exit(0));
