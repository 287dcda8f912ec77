// Reading a config file from disk. Key files must not be readable by others;
// like wg-quick we warn rather than refuse, so a wrong mode never takes a
// tunnel down.
import { readFile, stat } from "node:fs/promises";
import { ConfigError } from "./error.js";
import { parseConfig } from "./parse.js";
import type { PlugConfig } from "./types.js";

/** Stricter than wg-quick (which only looks at "other"): a private key file should be 0600. */
export async function accessWarning(path: string): Promise<string | null> {
  const mode = (await stat(path)).mode & 0o777;
  if ((mode & 0o077) === 0) return null;
  return `Warning: \`${path}' is readable by group or others (mode 0${mode.toString(8)}); it holds a private key, chmod 600 it`;
}

export async function loadConfig(path: string): Promise<PlugConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "error";
    throw new ConfigError(path, 0, `cannot read the configuration file (${code})`);
  }
  const warning = await accessWarning(path);
  if (warning !== null) process.stderr.write(`${warning}\n`);
  return parseConfig(text, path);
}
