// Datagrams waiting to leave one socket, with their address records laid out
// the way BatchUdpSocket.send takes them: a batch's answers, pushes and
// relayed frames go out in one sendmmsg instead of one syscall each. The
// bytes are not copied; relayed frames are views into the receive batch.
import { UDP_RECORD_SIZE, type BatchUdpSocket } from "@plug/fastpath";
import { writeCanonicalIpv4 } from "@plug/protocol";

/** Beyond this many queued datagrams the queue flushes at once (the addon sends in chunks of 64 anyway). */
const CAPACITY = 256;

export class SendQueue {
  private readonly datagrams: Uint8Array[] = [];
  private readonly records = new Uint8Array(CAPACITY * UDP_RECORD_SIZE);

  constructor(private readonly socket: BatchUdpSocket) {}

  /** Queues `bytes` to the address of the record at `from[r..r + 32)` (a received one). */
  push(bytes: Uint8Array, from: Uint8Array, r: number): void {
    this.records.set(from.subarray(r, r + UDP_RECORD_SIZE), this.datagrams.length * UDP_RECORD_SIZE);
    this.add(bytes);
  }

  /** Queues `bytes` to an IPv4 address in dotted-quad text; false when it is not one. */
  pushIpv4(bytes: Uint8Array, address: string, port: number): boolean {
    const at = this.datagrams.length * UDP_RECORD_SIZE;
    if (!writeCanonicalIpv4(address, this.records, at + 8)) return false;
    this.records.fill(0, at, at + 8);
    this.records.fill(0, at + 12, at + UDP_RECORD_SIZE);
    this.records[at + 4] = port & 0xff;
    this.records[at + 5] = port >>> 8;
    this.records[at + 6] = 4;
    this.add(bytes);
    return true;
  }

  /** Queues `bytes` to the address `fill` writes into the record (false: no address). */
  pushWith(bytes: Uint8Array, fill: (record: Uint8Array) => boolean): boolean {
    const at = this.datagrams.length * UDP_RECORD_SIZE;
    if (!fill(this.records.subarray(at, at + UDP_RECORD_SIZE))) return false;
    this.add(bytes);
    return true;
  }

  private add(bytes: Uint8Array): void {
    this.datagrams.push(bytes);
    if (this.datagrams.length === CAPACITY) this.flush();
  }

  flush(): void {
    const n = this.datagrams.length;
    if (n === 0) return;
    // Never blocks: with the socket's send buffer full the rest is dropped and counted by the addon, as UDP would.
    this.socket.send(this.datagrams, this.records, n);
    this.datagrams.length = 0;
  }
}
