// SaveConfig = true: on the way down, write the interface's live state back to
// its config file, as wg-quick's save_config does (addresses as they are now,
// the current MTU when one was configured, the device's keys and peers).
import { parseIp, type DeviceControl } from "@plug/wireguard";
import { configFromDevice, saveConfig, type AddressAssignment, type PlugConfig } from "../config/index.js";
import type { CommandRunner } from "./runner.js";

export function parseAddressList(ipOutput: string): AddressAssignment[] {
  return [...ipOutput.matchAll(/\binet6? ([0-9a-fA-F:.]+)\/([0-9]+)/g)].map((m) => {
    const address = parseIp(m[1] ?? "");
    return { address, family: address.length === 4 ? 4 : 6, cidr: Number(m[2]) };
  });
}

export async function saveLiveConfig(ifname: string, cfg: PlugConfig, run: CommandRunner, control?: DeviceControl): Promise<void> {
  if (!control) throw new Error("SaveConfig needs the device's state; pass its DeviceControl to tearDownInterface");
  const addresses = parseAddressList((await run("ip", ["-o", "address", "show", "dev", ifname])).stdout);
  const link = (await run("ip", ["link", "show", "dev", ifname])).stdout;
  const mtu = /\bmtu ([0-9]+)/.exec(link)?.[1];
  await saveConfig(configFromDevice(cfg, control.snapshot(), addresses, mtu === undefined ? undefined : Number(mtu)));
}
