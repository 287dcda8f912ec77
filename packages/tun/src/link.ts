// Interface settings the daemon needs right after creating the device, done
// with ioctl in the current network namespace instead of spawning `ip`.
import { isNativeError, native } from "./native.js";
import { TunError } from "./types.js";
import { validateInterfaceName } from "./tun-device.js";

function run<T>(op: string, name: string, f: () => T): T {
  validateInterfaceName(name);
  try {
    return f();
  } catch (err) {
    if (!isNativeError(err)) throw err;
    throw new TunError(`${op} on "${name}": ${err.message}`, err.code);
  }
}

export function setMtu(name: string, mtu: number): void {
  run("setting MTU", name, () => native().setMtu(name, mtu));
}

export function getMtu(name: string): number {
  return run("reading MTU", name, () => native().getMtu(name));
}

/** Sets IFF_UP (like `ip link set dev NAME up`). */
export function setLinkUp(name: string): void {
  run("bringing up", name, () => native().setUp(name));
}
