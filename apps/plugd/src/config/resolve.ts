// Endpoint host names are resolved when a config is applied, with wg's retry
// policy (TOOLS src/config.c parse_endpoint): answers that mean "this name does
// not exist" fail at once; anything else (no network yet at boot, a resolver
// timeout) is retried WG_ENDPOINT_RESOLUTION_RETRIES times (default 15,
// "infinity" allowed), waiting 1 s, then 20% longer each time, at most 20 s.
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import type { Endpoint } from "@plug/wireguard";
import type { HostPort } from "./types.js";

/** Resolves a host name; the port of the result is ignored. */
export type Resolver = (host: string) => Promise<Endpoint>;

export interface ResolveOptions {
  /** Retries after the first attempt; default from WG_ENDPOINT_RESOLUTION_RETRIES. */
  retries?: number;
  sleep?: (ms: number) => Promise<void>;
  warn?: (message: string) => void;
}

export const systemResolver: Resolver = async (host) => {
  const r = await lookup(host);
  return { family: r.family === 6 ? 6 : 4, address: r.address, port: 0 };
};

export function resolutionRetries(env: NodeJS.ProcessEnv = process.env): number {
  const v = env.WG_ENDPOINT_RESOLUTION_RETRIES;
  if (v === undefined) return 15;
  if (v === "infinity") return Infinity;
  // wg treats anything else as a number with strtol; garbage therefore means 0.
  return /^[0-9]+$/.test(v) ? Number(v) : 0;
}

// getaddrinfo's permanent failures (EAI_NONAME, EAI_FAIL, EAI_NODATA) as Node names them.
const permanent = new Set(["ENOTFOUND", "EAI_NONAME", "EAI_FAIL", "EAI_NODATA", "ENODATA"]);

export class ResolveError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

const sleepMs = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function resolveHostPort(target: HostPort, resolve: Resolver, options: ResolveOptions = {}): Promise<Endpoint> {
  const zoneless = target.host.split("%")[0] ?? "";
  const literal = isIP(zoneless);
  if (literal !== 0) return { family: literal === 6 ? 6 : 4, address: target.host, port: target.port };
  let retriesLeft = options.retries ?? resolutionRetries();
  const sleep = options.sleep ?? sleepMs;
  const warn = options.warn ?? ((m: string) => void process.stderr.write(`${m}\n`));
  for (let delay = 1000; ; delay = Math.min(20000, Math.floor((delay * 6) / 5))) {
    try {
      const r = await resolve(target.host);
      return { family: r.family, address: r.address, port: target.port };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? "EAI_AGAIN";
      if (permanent.has(code) || retriesLeft <= 0) {
        throw new ResolveError(`\`${target.host}' could not be resolved (${code})`, code);
      }
      retriesLeft--;
      warn(`${code}: \`${target.host}'. Trying again in ${(delay / 1000).toFixed(2)} seconds...`);
      await sleep(delay);
    }
  }
}
