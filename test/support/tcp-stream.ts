// A deterministic byte stream sent over TCP and hashed on both ends, so a tunnel transfer is
// verified by content, not just by size. The stream is AES-128-CTR keystream under a key derived
// from a seed: fast (OpenSSL) and reproducible by the test itself.
//
// CLI (run inside a namespace with `node --import tsx test/support/tcp-stream.ts ...`):
//   recv HOST PORT            accept one connection, print "listening" when ready, then
//                             {"bytes":N,"sha256":"..."} when the sender closes
//   send HOST PORT BYTES SEED send BYTES of the stream for SEED, print the same JSON
import { createCipheriv, createHash } from "node:crypto";
import { createServer, connect } from "node:net";
import { fileURLToPath } from "node:url";

export interface StreamDigest {
  readonly bytes: number;
  readonly sha256: string;
}

const CHUNK = 256 * 1024;

export function* deterministicStream(seed: string, bytes: number): Generator<Buffer> {
  const key = createHash("sha256").update(`plug e2e stream ${seed}`).digest().subarray(0, 16);
  const cipher = createCipheriv("aes-128-ctr", key, Buffer.alloc(16));
  const zeros = Buffer.alloc(CHUNK);
  for (let left = bytes; left > 0; left -= CHUNK) {
    yield cipher.update(left >= CHUNK ? zeros : zeros.subarray(0, left));
  }
}

export function expectedDigest(seed: string, bytes: number): StreamDigest {
  const h = createHash("sha256");
  for (const chunk of deterministicStream(seed, bytes)) h.update(chunk);
  return { bytes, sha256: h.digest("hex") };
}

function receive(host: string, port: number): void {
  const server = createServer((sock) => {
    server.close();
    const h = createHash("sha256");
    let n = 0;
    sock.on("data", (d: Buffer) => {
      n += d.length;
      h.update(d);
    });
    sock.on("end", () => {
      process.stdout.write(`${JSON.stringify({ bytes: n, sha256: h.digest("hex") })}\n`);
      sock.end();
    });
    sock.on("error", (err) => {
      process.stderr.write(`recv error: ${err.message}\n`);
      process.exit(1);
    });
  });
  server.listen(port, host, () => process.stdout.write("listening\n"));
}

function send(host: string, port: number, bytes: number, seed: string): void {
  const h = createHash("sha256");
  const sock = connect({ host, port }, async () => {
    for (const chunk of deterministicStream(seed, bytes)) {
      h.update(chunk);
      if (!sock.write(chunk)) await new Promise((r) => sock.once("drain", r));
    }
    sock.end();
  });
  sock.on("close", (hadError) => {
    if (hadError) process.exit(1);
    process.stdout.write(`${JSON.stringify({ bytes, sha256: h.digest("hex") })}\n`);
  });
  sock.on("error", (err) => {
    process.stderr.write(`send error: ${err.message}\n`);
    process.exit(1);
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [mode, host, port, bytes, seed] = process.argv.slice(2);
  if (mode === "recv" && host && port) receive(host, Number(port));
  else if (mode === "send" && host && port && bytes && seed) send(host, Number(port), Number(bytes), seed);
  else {
    process.stderr.write("usage: tcp-stream.ts recv HOST PORT | send HOST PORT BYTES SEED\n");
    process.exit(2);
  }
}
