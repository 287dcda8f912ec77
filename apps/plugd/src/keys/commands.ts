// `plugd genkey|pubkey|genpsk`: byte-for-byte the behaviour of `wg genkey`,
// `wg pubkey` and `wg genpsk` (TOOLS src/genkey.c, src/pubkey.c), so scripts
// written for wg work unchanged: base64 plus a newline on stdout, exit 0;
// pubkey reads exactly 44 characters, then allows only whitespace or NUL bytes.
import { fstatSync } from "node:fs";
import {
  KeyFormatError,
  generatePresharedKey,
  generatePrivateKey,
  keyFromBase64,
  keyToBase64,
  publicKeyFromPrivate,
} from "@plug/wireguard";

export type KeyCommand = "genkey" | "pubkey" | "genpsk";

const PROG = "plugd";
const BASE64_LENGTH = 44;

async function readAll(input: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : Buffer.from(chunk));
  return Buffer.concat(chunks);
}

function write(stream: NodeJS.WritableStream, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.write(text, (err?: Error | null) => (err ? reject(err) : resolve()));
  });
}

// wg warns when a fresh key goes into a file others can read (genkey.c).
function worldAccessibleFile(output: NodeJS.WritableStream): boolean {
  const fd = (output as { fd?: unknown }).fd;
  if (typeof fd !== "number") return false;
  try {
    const st = fstatSync(fd);
    return st.isFile() && (st.mode & 0o007) !== 0;
  } catch {
    return false;
  }
}

// isspace() in the C locale, plus NUL, which pubkey.c also skips.
const trailingOk = new Set([0x00, 0x20, 0x09, 0x0a, 0x0b, 0x0c, 0x0d]);

async function pubkey(input: NodeJS.ReadableStream, output: NodeJS.WritableStream, errors: NodeJS.WritableStream): Promise<number> {
  const data = await readAll(input);
  if (data.length < BASE64_LENGTH) {
    await write(errors, `${PROG}: Key is not the correct length or format\n`);
    return 1;
  }
  for (const b of data.subarray(BASE64_LENGTH)) {
    if (!trailingOk.has(b)) {
      await write(errors, `${PROG}: Trailing characters found after key\n`);
      return 1;
    }
  }
  let key: Uint8Array;
  try {
    key = keyFromBase64(data.subarray(0, BASE64_LENGTH).toString("latin1"));
  } catch (err) {
    if (!(err instanceof KeyFormatError)) throw err;
    await write(errors, `${PROG}: Key is not the correct length or format\n`);
    return 1;
  }
  await write(output, `${keyToBase64(publicKeyFromPrivate(key))}\n`);
  return 0;
}

export async function runKeyCommand(
  name: KeyCommand,
  input: NodeJS.ReadableStream,
  output: NodeJS.WritableStream,
  errors: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  if (name === "pubkey") return pubkey(input, output, errors);
  if (worldAccessibleFile(output)) {
    await write(errors, "Warning: writing to world accessible file.\nConsider setting the umask to 077 and trying again.\n");
  }
  const key = name === "genkey" ? generatePrivateKey() : generatePresharedKey();
  await write(output, `${keyToBase64(key)}\n`);
  return 0;
}
