// Wire encoding of an IP endpoint: family (4 or 6), port, then 4 or 16 address bytes.
import { formatIp, parseIp, writeCanonicalIpv4, type Endpoint } from "@plug/wireguard/net";
import { DecodeError } from "./errors.js";
import type { ByteReader } from "./reader.js";
import type { ByteWriter } from "./writer.js";

export function endpointWireLength(e: Endpoint): number {
  return 3 + (e.family === 4 ? 4 : 16);
}

export function writeEndpoint(w: ByteWriter, e: Endpoint): void {
  // Every ACK and PUSH carries an observed address: skip the general parser when the text is canonical.
  if (e.family === 4 && writeCanonicalIpv4(e.address, ipv4Scratch)) {
    w.u8(4).u16(e.port).put(ipv4Scratch);
    return;
  }
  const addr = parseIp(e.address);
  w.u8(addr.length === 4 ? 4 : 6).u16(e.port).put(addr);
}

const ipv4Scratch = new Uint8Array(4);


export function readEndpoint(r: ByteReader): Endpoint {
  const family = r.u8();
  if (family !== 4 && family !== 6) throw new DecodeError("bad address family");
  const port = r.u16();
  const addr = r.bytesView(family === 4 ? 4 : 16);
  return { family, port, address: formatIp(Uint8Array.from(addr)) };
}
