// coordd's command line. Every option can also come from an environment
// variable (COORDD_<NAME>), which is how the container and systemd unit set
// them; the command line wins over the environment.
import { isIP } from "node:net";
import { defaultLimits, type Limits } from "../core/limits.js";

export interface CoorddConfig {
  readonly udpPort: number;
  readonly altUdpPort: number;
  readonly httpPort: number;
  readonly httpHost: string;
  readonly bind: string;
  readonly altAddress?: string;
  readonly publicAddress?: string;
  readonly altPublicAddress?: string;
  readonly keyFile: string;
  readonly logLevel: string;
  readonly limits: Limits;
}

interface OptionSpec {
  readonly name: string;
  readonly env: string;
  readonly help: string;
  readonly fallback?: string;
}

const specs: readonly OptionSpec[] = [
  { name: "udp-port", env: "COORDD_UDP_PORT", fallback: "3478", help: "primary UDP port: STUN, registrations, relay" },
  { name: "alt-udp-port", env: "COORDD_ALT_UDP_PORT", fallback: "3479", help: "alternate UDP port for RFC 5780 CHANGE-REQUEST (change port)" },
  { name: "http-port", env: "COORDD_HTTP_PORT", fallback: "8080", help: "HTTP port: /healthz, /metrics, WebSocket /v1/ws" },
  { name: "http-host", env: "COORDD_HTTP_HOST", fallback: "0.0.0.0", help: "address the HTTP server binds" },
  { name: "bind", env: "COORDD_BIND", fallback: "0.0.0.0", help: "address the primary UDP sockets bind (0.0.0.0 or :: for all)" },
  { name: "alt-address", env: "COORDD_ALT_ADDRESS", help: "optional second local address: enables RFC 5780 change-IP" },
  { name: "public-address", env: "COORDD_PUBLIC_ADDRESS", help: "public IP of --bind (for OTHER-ADDRESS/RESPONSE-ORIGIN behind a wildcard bind or NAT)" },
  { name: "alt-public-address", env: "COORDD_ALT_PUBLIC_ADDRESS", help: "public IP of --alt-address, if it differs" },
  { name: "key-file", env: "COORDD_KEY_FILE", fallback: "/var/lib/coordd/coordd.key", help: "X25519 private key (base64); created with mode 0600 if missing" },
  { name: "log-level", env: "COORDD_LOG_LEVEL", fallback: "info", help: "pino level: fatal error warn info debug trace silent" },
  { name: "rate-pps", env: "COORDD_RATE_PPS", fallback: String(defaultLimits.ratePerSecond), help: "control packets per second per source IP" },
  { name: "rate-burst", env: "COORDD_RATE_BURST", fallback: String(defaultLimits.rateBurst), help: "burst for --rate-pps" },
  { name: "max-rids-per-session", env: "COORDD_MAX_RIDS_PER_SESSION", fallback: String(defaultLimits.maxRidsPerSession), help: "rendezvous ids one client session may hold" },
  { name: "max-rids-per-address", env: "COORDD_MAX_RIDS_PER_ADDRESS", fallback: String(defaultLimits.maxRidsPerAddress), help: "rendezvous ids one source IP may hold" },
  { name: "max-sessions", env: "COORDD_MAX_SESSIONS", fallback: String(defaultLimits.maxSessions), help: "client link sessions held at once" },
  { name: "registration-lifetime", env: "COORDD_REGISTRATION_LIFETIME", fallback: String(defaultLimits.registrationLifetimeSeconds), help: "seconds a registration lives without refresh" },
  { name: "relay-pair-bps", env: "COORDD_RELAY_PAIR_BPS", fallback: String(defaultLimits.relayPairBytesPerSecond), help: "relay bytes per second per pair" },
  { name: "relay-total-bps", env: "COORDD_RELAY_TOTAL_BPS", fallback: String(defaultLimits.relayTotalBytesPerSecond), help: "relay bytes per second overall" },
];

export class UsageError extends Error {}

export function helpText(): string {
  const lines = [
    "Usage: coordd [options]            run the rendezvous, STUN and relay server",
    "       coordd pubkey [--key-file F]  print the base64 public key clients configure",
    "       coordd --help",
    "",
    "Options (each also from the environment variable shown):",
  ];
  for (const s of specs) {
    lines.push(`  --${s.name} <v>`.padEnd(30) + `${s.env}`);
    lines.push(`      ${s.help}${s.fallback !== undefined ? ` (default ${s.fallback})` : ""}`);
  }
  return lines.join("\n") + "\n";
}

function port(v: string, name: string): number {
  if (!/^\d{1,5}$/.test(v) || Number(v) > 65535) throw new UsageError(`--${name}: not a port: ${v}`);
  return Number(v);
}

function positive(v: string, name: string): number {
  if (!/^\d+$/.test(v) || Number(v) <= 0) throw new UsageError(`--${name}: not a positive integer: ${v}`);
  return Number(v);
}

function address(v: string | undefined, name: string): string | undefined {
  if (v === undefined || v === "") return undefined;
  if (isIP(v) === 0) throw new UsageError(`--${name}: not an IP address: ${v}`);
  return v;
}

/** Parses argv (without node and script) and env. Throws UsageError with a message for the user. */
export function parseOptions(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): CoorddConfig {
  const given = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (!arg.startsWith("--")) throw new UsageError(`unexpected argument: ${arg}`);
    const eq = arg.indexOf("=");
    const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
    if (!specs.some((s) => s.name === name)) throw new UsageError(`unknown option --${name}`);
    let value: string | undefined = eq < 0 ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    given.set(name, value);
    value = undefined;
  }
  const get = (name: string): string | undefined => {
    const s = specs.find((x) => x.name === name);
    return given.get(name) ?? (s && env[s.env] !== undefined && env[s.env] !== "" ? env[s.env] : s?.fallback);
  };
  const need = (name: string): string => get(name) ?? "";
  const udpPort = port(need("udp-port"), "udp-port");
  const altUdpPort = port(need("alt-udp-port"), "alt-udp-port");
  if (udpPort !== 0 && udpPort === altUdpPort) throw new UsageError("--alt-udp-port must differ from --udp-port");
  const cfg: CoorddConfig = {
    udpPort,
    altUdpPort,
    httpPort: port(need("http-port"), "http-port"),
    httpHost: address(need("http-host"), "http-host") ?? "0.0.0.0",
    bind: address(need("bind"), "bind") ?? "0.0.0.0",
    keyFile: need("key-file"),
    logLevel: need("log-level"),
    limits: {
      ...defaultLimits,
      ratePerSecond: positive(need("rate-pps"), "rate-pps"),
      rateBurst: positive(need("rate-burst"), "rate-burst"),
      maxRidsPerSession: positive(need("max-rids-per-session"), "max-rids-per-session"),
      maxRidsPerAddress: positive(need("max-rids-per-address"), "max-rids-per-address"),
      maxSessions: positive(need("max-sessions"), "max-sessions"),
      registrationLifetimeSeconds: positive(need("registration-lifetime"), "registration-lifetime"),
      relayPairBytesPerSecond: positive(need("relay-pair-bps"), "relay-pair-bps"),
      relayTotalBytesPerSecond: positive(need("relay-total-bps"), "relay-total-bps"),
    },
  };
  const alt = address(get("alt-address"), "alt-address");
  const pub = address(get("public-address"), "public-address");
  const altPub = address(get("alt-public-address"), "alt-public-address");
  return { ...cfg, ...(alt ? { altAddress: alt } : {}), ...(pub ? { publicAddress: pub } : {}), ...(altPub ? { altPublicAddress: altPub } : {}) };
}
