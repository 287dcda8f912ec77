// Endpoint <-> the addon socket's 32-byte address records (@plug/fastpath
// UDP_RECORD_SIZE). Both directions are cached because almost every datagram
// goes to or comes from the same few peers: a steady flow parses no address.
import { decodeUdpAddress, encodeUdpAddress, UDP_RECORD_SIZE } from "@plug/fastpath";
import type { Endpoint } from "../net/address.js";

/** Record bytes 4..28 (port, family, address, scope) as 32-bit words 1..6. */
const FIRST_WORD = 1;
const END_WORD = 7;

export class EndpointRecords {
  private readonly toRecord = new WeakMap<Endpoint, Uint8Array>();
  private readonly lastSource = new Uint32Array(UDP_RECORD_SIZE / 4);
  private lastEndpoint: Endpoint | null = null;

  /** The record to send to `to`, or null when its address text is not an IP address. */
  recordFor(to: Endpoint): Uint8Array | null {
    let record = this.toRecord.get(to);
    if (record === undefined) {
      record = new Uint8Array(UDP_RECORD_SIZE);
      if (!encodeUdpAddress(to.address, to.port, record)) return null;
      this.toRecord.set(to, record);
    }
    return record;
  }

  /**
   * The Endpoint of the received record at records[offset..]: the same object
   * as long as the source does not change. `words` is a Uint32Array view of
   * `records` (offset must be a multiple of UDP_RECORD_SIZE).
   */
  sourceAt(records: Uint8Array, words: Uint32Array, offset: number): Endpoint {
    const base = offset >> 2;
    const last = this.lastSource;
    if (this.lastEndpoint !== null) {
      let same = true;
      for (let w = FIRST_WORD; w < END_WORD; w++) {
        if (words[base + w] !== last[w]) {
          same = false;
          break;
        }
      }
      if (same) return this.lastEndpoint;
    }
    for (let w = FIRST_WORD; w < END_WORD; w++) last[w] = words[base + w] ?? 0;
    const port = (records[offset + 4] ?? 0) | ((records[offset + 5] ?? 0) << 8);
    const family = records[offset + 6] === 4 ? 4 : 6;
    const endpoint: Endpoint = { family, address: decodeUdpAddress(records, offset), port };
    this.lastEndpoint = endpoint;
    return endpoint;
  }
}
