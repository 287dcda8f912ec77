// Normalises `wg` output so two implementations' renderings of the same state compare equal
// when, and only when, the state is the same. Only what is legitimately arbitrary is erased:
//   - the interface name, and secrets given by the caller (so diffs never print them);
//   - peer order: wireguard-go emits peers in Go map order, which is random;
//   - allowed-IPs order within one peer: a set, whose order depends on each implementation's trie;
//   - values the caller marks as random (e.g. the port chosen for listen-port 0).

export interface Redactions {
  readonly ifname: string;
  /** Exact strings to replace, e.g. { "<private key base64>": "<PRIV>" }. */
  readonly replace: Readonly<Record<string, string>>;
  /** Whole words to replace (numbers such as a random port, which may be substrings of others). */
  readonly words?: Readonly<Record<string, string>>;
}

function redact(text: string, r: Redactions): string {
  let out = text.split(r.ifname).join("IF");
  for (const [from, to] of Object.entries(r.replace)) if (from !== "") out = out.split(from).join(to);
  for (const [from, to] of Object.entries(r.words ?? {})) if (/^\w+$/.test(from)) out = out.replace(new RegExp(`\\b${from}\\b`, "g"), to);
  return out;
}

const sortList = (list: string, sep: string): string => list.split(sep).sort().join(sep);

/** `wg show IF`: first block is the interface, then one block per peer. */
export function normaliseShow(text: string, r: Redactions): string {
  const blocks = redact(text, r).trimEnd().split("\n\n");
  const fixed = blocks.map((b) => b.replace(/(allowed ips: )(.*)/, (_m, k: string, v: string) => k + sortList(v, ", ")));
  return [fixed[0] ?? "", ...fixed.slice(1).sort()].join("\n\n");
}

/** `wg show IF dump`: first line is the interface, then one line per peer (allowed IPs are column 4). */
export function normaliseDump(text: string, r: Redactions): string {
  const lines = redact(text, r).trimEnd().split("\n");
  const peers = lines.slice(1).map((l) => {
    const cols = l.split("\t");
    if (cols[3] !== undefined) cols[3] = sortList(cols[3], ",");
    return cols.join("\t");
  });
  return [lines[0] ?? "", ...peers.sort()].join("\n");
}

/** `wg showconf IF`: [Interface] then [Peer] sections. */
export function normaliseShowconf(text: string, r: Redactions): string {
  const [head, ...peers] = redact(text, r).trimEnd().split("\n\n[Peer]\n");
  const fixed = peers.map((p) => p.replace(/(AllowedIPs = )(.*)/, (_m, k: string, v: string) => k + sortList(v, ", ")));
  return [head ?? "", ...fixed.sort()].join("\n\n[Peer]\n");
}

/** `wg show IF <field>`: one "pubkey\tvalue" line per peer, or a single value. */
export function normaliseField(text: string, r: Redactions): string {
  return redact(text, r)
    .trimEnd()
    .split("\n")
    .map((l) => {
      const [k, v] = l.split("\t");
      return v === undefined ? l : `${k ?? ""}\t${sortList(v, " ")}`;
    })
    .sort()
    .join("\n");
}
