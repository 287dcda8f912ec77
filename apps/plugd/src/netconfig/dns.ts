// DNS through resolvconf, exactly as wg-quick feeds it: nameserver and search
// lines on stdin to `resolvconf -a [PREFIX.]IF -m 0 -x`. Without resolvconf the
// interface still comes up (we warn), since DNS is a convenience, not routing.
import { readFile } from "node:fs/promises";
import type { Logger } from "@plug/wireguard";
import { commandExists, commandLine, type CommandRunner } from "./runner.js";

/** resolvconf_iface_prefix: the first "NAME*" entry of interface-order, as "NAME.". */
export async function resolvconfPrefix(orderFile = "/etc/resolvconf/interface-order"): Promise<string> {
  let text: string;
  try {
    text = await readFile(orderFile, "utf8");
  } catch {
    return "";
  }
  for (const line of text.split("\n")) {
    const m = /^([A-Za-z0-9-]+)\*$/.exec(line.trim());
    if (m?.[1]) return `${m[1]}.`;
  }
  return "";
}

export function resolvconfInput(nameservers: readonly string[], search: readonly string[]): string {
  let text = nameservers.map((n) => `nameserver ${n}\n`).join("");
  if (search.length > 0) text += `search ${search.join(" ")}\n`;
  return text;
}

/** Returns the record name it registered, or null when nothing was set. */
export async function setDns(
  ifname: string,
  nameservers: readonly string[],
  search: readonly string[],
  run: CommandRunner,
  log: Logger,
): Promise<string | null> {
  if (nameservers.length === 0) return null;
  if (!commandExists("resolvconf")) {
    log.error(`resolvconf is not installed: DNS ${nameservers.join(", ")} for ${ifname} was not set`);
    return null;
  }
  const record = `${await resolvconfPrefix()}${ifname}`;
  const args = ["-a", record, "-m", "0", "-x"];
  log.info(`[#] ${commandLine("resolvconf", args)}`);
  await run("resolvconf", args, resolvconfInput(nameservers, search));
  return record;
}

export async function unsetDns(record: string, run: CommandRunner, log: Logger): Promise<void> {
  const args = ["-d", record, "-f"];
  log.info(`[#] ${commandLine("resolvconf", args)}`);
  await run("resolvconf", args);
}
