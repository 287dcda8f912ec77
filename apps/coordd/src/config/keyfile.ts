// coordd's static X25519 key on disk: base64 like `wg genkey`, created on
// first start with mode 0600 (opened exclusively, so two starts cannot race
// into different keys). The key never reaches a log.
import { closeSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { generatePrivateKey, keyFromBase64, keyToBase64, publicKeyFromPrivate } from "@plug/protocol";

export interface ServerKey {
  readonly privateKey: Uint8Array;
  readonly publicKey: Uint8Array;
  readonly created: boolean;
  /** Set when the existing file is readable by group or others. */
  readonly looseMode: boolean;
}

export function loadOrCreateKey(path: string): ServerKey {
  let created = false;
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const fd = openSync(path, "wx", 0o600);
    try {
      writeSync(fd, keyToBase64(generatePrivateKey()) + "\n");
    } finally {
      closeSync(fd);
    }
    created = true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  }
  const privateKey = keyFromBase64(readFileSync(path, "utf8").trim());
  const looseMode = (statSync(path).mode & 0o077) !== 0;
  return { privateKey, publicKey: publicKeyFromPrivate(privateKey), created, looseMode };
}
