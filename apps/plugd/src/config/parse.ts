// The config file parser: the wg-quick format (WIREGUARD.md §10), strict.
//
// Format: one [Interface] section and any number of [Peer] sections; section
// and key names are case-insensitive; everything from "#" to the end of a line
// is a comment (in hooks too, as in wg-quick); values lose all whitespace, as
// `wg` strips it, except the PreUp/PostUp/PreDown/PostDown hooks, which keep
// inner spaces because they are bash commands.
//
// Stricter than wg and wg-quick on purpose: unknown keys and sections, a key
// before the first section, a single-valued key given twice, a second
// [Interface], two [Peer]s with the same PublicKey and a [Peer] without a
// PublicKey are all errors, each reported as ConfigError "FILE:LINE: text"
// naming the key. Messages never contain key material.
//
// Extension point: the accepted keys are the tables in interface-keys.ts and
// peer-keys.ts. [Interface] keys Coordinator, CoordinatorKey,
// CoordinatorWebSocket and PortMapping are reserved for coordination and
// already parsed into optional fields (coordination-keys.ts documents them).
import { ConfigError, ValueError } from "./error.js";
import { emptyInterface, interfaceKeys } from "./interface-keys.js";
import type { KeyTable } from "./key-spec.js";
import { peerKeys, type PeerDraft } from "./peer-keys.js";
import type { InterfaceConfig, PeerConfig, PlugConfig } from "./types.js";

interface OpenSection<T> {
  readonly kind: "Interface" | "Peer";
  readonly line: number;
  readonly target: T;
  readonly table: KeyTable<T>;
  /** Lower-cased key -> line it was first set on (for single-valued keys). */
  readonly seen: Map<string, number>;
}

// Only names that look like identifiers are echoed back, so that a key pasted
// into the wrong place is never repeated in an error message.
function safeKeyName(name: string): string | undefined {
  return /^[A-Za-z]{1,24}$/.test(name) ? name : undefined;
}

function keyPhrase(name: string): string {
  const safe = safeKeyName(name);
  return safe === undefined ? "a key" : `key "${safe}"`;
}

export function parseConfig(text: string, path: string): PlugConfig {
  const iface: InterfaceConfig = emptyInterface();
  const peers: PeerConfig[] = [];
  const peerKeyLines = new Map<string, number>();
  let interfaceLine = 0;
  let section: OpenSection<InterfaceConfig> | OpenSection<PeerDraft> | null = null;
  let publicKeyLine = 0;

  function fail(line: number, message: string, key?: string): never {
    throw new ConfigError(path, line, message, key);
  }

  const closePeer = (s: OpenSection<PeerDraft>): void => {
    const { publicKey, ...rest } = s.target;
    if (publicKey === undefined) fail(s.line, "[Peer] section has no PublicKey", "PublicKey");
    const id = Buffer.from(publicKey).toString("hex");
    const first = peerKeyLines.get(id);
    if (first !== undefined) fail(publicKeyLine, `PublicKey is the same as the peer on line ${first}`, "PublicKey");
    peerKeyLines.set(id, s.line);
    peers.push({ ...rest, publicKey });
  };

  const lines = text.replace(/^\uFEFF/, "").split(/\r\n|\n|\r/);
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const uncommented = (lines[i] ?? "").split("#")[0] ?? "";
    const compact = uncommented.replace(/\s+/g, "");
    if (compact === "") continue;

    if (compact.startsWith("[")) {
      if (section?.kind === "Peer") closePeer(section as OpenSection<PeerDraft>);
      const name = /^\[([A-Za-z]+)\]$/.exec(compact)?.[1]?.toLowerCase();
      if (name === "interface") {
        if (interfaceLine !== 0) fail(lineNo, `duplicate [Interface] section (first on line ${interfaceLine})`);
        interfaceLine = lineNo;
        section = { kind: "Interface", line: lineNo, target: iface, table: interfaceKeys, seen: new Map() };
      } else if (name === "peer") {
        const draft: PeerDraft = { allowedIps: [], line: lineNo };
        section = { kind: "Peer", line: lineNo, target: draft, table: peerKeys, seen: new Map() };
      } else {
        fail(lineNo, "unknown section; expected [Interface] or [Peer]");
      }
      continue;
    }

    const eq = uncommented.indexOf("=");
    if (eq < 0) fail(lineNo, "expected a [Section] header or Key = Value");
    const rawKey = uncommented.slice(0, eq).trim();
    if (section === null) fail(lineNo, `${keyPhrase(rawKey)} appears before any [Interface] or [Peer] section`, safeKeyName(rawKey));
    const open = section as OpenSection<unknown>;
    const spec = open.table.get(rawKey.toLowerCase());
    if (spec === undefined) {
      fail(lineNo, `unknown ${keyPhrase(rawKey)} in [${open.kind}]`, safeKeyName(rawKey));
    }
    if (!spec.repeatable) {
      const first = open.seen.get(rawKey.toLowerCase());
      if (first !== undefined) fail(lineNo, `${spec.name} is already set on line ${first}`, spec.name);
      open.seen.set(rawKey.toLowerCase(), lineNo);
    }
    const rawValue = uncommented.slice(eq + 1);
    const value = spec.value === "trimmed" ? rawValue.trim() : rawValue.replace(/\s+/g, "");
    try {
      spec.apply(value, open.target);
    } catch (err) {
      if (err instanceof ValueError) fail(lineNo, `${spec.name} ${err.message}`, spec.name);
      throw err;
    }
    if (spec.name === "PublicKey") publicKeyLine = lineNo;
  }
  if (section?.kind === "Peer") closePeer(section as OpenSection<PeerDraft>);
  return { path, iface, peers };
}
