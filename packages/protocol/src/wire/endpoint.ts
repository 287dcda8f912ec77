// Wire encoding of an IP endpoint: family (4 or 6), port, then 4 or 16 address bytes.
import { formatIp, parseIp, type Endpoint } from "@plug/wireguard/net";
import { DecodeError } from "./errors.js";
import type { ByteReader } from "./reader.js";
import type { ByteWriter } from "./writer.js";

export function endpointWireLength(e: Endpoint): number {
  return 3 + (e.family === 4 ? 4 : 16);
}

export function writeEndpoint(w: ByteWriter, e: Endpoint): void {
  if (e.family === 4 && canonicalIpv4(e.address, ipv4Scratch)) {
    w.u8(4).u16(e.port).put(ipv4Scratch);
    return;
  }
  const addr = parseIp(e.address);
  w.u8(addr.length === 4 ? 4 : 6).u16(e.port).put(addr);
}

const ipv4Scratch = new Uint8Array(4);

/**
 * Dotted-quad text in its canonical form (no leading zeros) into out, without
 * the general parser's regex and allocation: every ACK and PUSH carries an
 * observed address. Anything else returns false and takes the general path.
 */
function canonicalIpv4(text: string, out: Uint8Array): boolean {
  let part = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 0x2e;
    if (c === 0x2e) {
      if (digits === 0 || part > 3) return false;
      out[part++] = value;
      value = 0;
      digits = 0;
    } else if (c >= 0x30 && c <= 0x39 && !(digits === 1 && value === 0)) {
      value = value * 10 + (c - 0x30);
      if (value > 255) return false;
      digits++;
    } else {
      return false;
    }
  }
  return part === 4;
}

export function readEndpoint(r: ByteReader): Endpoint {
  const family = r.u8();
  if (family !== 4 && family !== 6) throw new DecodeError("bad address family");
  const port = r.u16();
  const addr = r.bytesView(family === 4 ? 4 : 16);
  return { family, port, address: formatIp(Uint8Array.from(addr)) };
}
