// Reads the verdict of Debian's `stun` client (stun-client, RFC 3489 classification) from its
// "Primary:" line, e.g. "Primary: Independent Mapping, Port Dependent Filter, preserves ports,
// no hairpin". Its words map onto RFC 4787 terms as below; anything else is "unknown", so a changed
// client output fails the assertion that uses it rather than passing silently.

export type StunClientClass =
  | "open" // no NAT, no filtering (the host's address is public)
  | "full-cone" // Independent Mapping, Independent Filter
  | "address-restricted" // Independent Mapping, Address Dependent Filter
  | "port-restricted" // Independent Mapping, Port Dependent Filter
  | "symmetric" // Dependent Mapping (the client does not test filtering then)
  | "firewall" // public address, but filtered
  | "blocked" // no answer at all
  | "unknown";

export interface StunClientVerdict {
  readonly kind: StunClientClass;
  /** "preserves ports" / "random port", when the client said. */
  readonly preservesPorts: boolean | undefined;
  /** "will hairpin" / "no hairpin", when the client said. */
  readonly hairpin: boolean | undefined;
  /** The Primary: line as printed. */
  readonly primary: string;
}

const CLASSES: readonly [RegExp, StunClientClass][] = [
  [/^Open\b/, "open"],
  [/^Independent Mapping, Independent Filter/, "full-cone"],
  [/^Independent Mapping, Address Dependent Filter/, "address-restricted"],
  [/^Independent Mapping, Port Dependent Filter/, "port-restricted"],
  [/^Dependent Mapping/, "symmetric"],
  [/^Firewall/, "firewall"],
  [/^Blocked/, "blocked"],
];

export function parseStunClientVerdict(output: string): StunClientVerdict {
  const primary = (/^Primary: (.*)$/m.exec(output)?.[1] ?? "").trim();
  const kind = CLASSES.find(([re]) => re.test(primary))?.[1] ?? "unknown";
  const preservesPorts = /preserves ports/.test(primary) ? true : /random port/.test(primary) ? false : undefined;
  const hairpin = /will hairpin/.test(primary) ? true : /no hairpin/.test(primary) ? false : undefined;
  return { kind, preservesPorts, hairpin, primary };
}
