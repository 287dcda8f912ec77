// Writing a config file safely: it holds a private key, so it is created 0600,
// and it replaces the old file atomically so a crash never leaves half a file.
import { open, rename, rm } from "node:fs/promises";
import { formatConfig } from "./format.js";
import type { PlugConfig } from "./types.js";

export async function saveConfig(cfg: PlugConfig): Promise<void> {
  const tmp = `${cfg.path}.tmp`;
  await rm(tmp, { force: true });
  const file = await open(tmp, "wx", 0o600);
  try {
    await file.writeFile(formatConfig(cfg));
    await file.sync();
  } finally {
    await file.close();
  }
  try {
    await rename(tmp, cfg.path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
