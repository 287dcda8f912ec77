// How a configuration key is described to the line scanner. Each section has a
// table of these, keyed by the lower-cased key name; adding a key means adding
// one entry (see coordination-keys.ts for keys reserved for a later feature).

export interface KeySpec<Target> {
  /** Canonical spelling, used in error messages. */
  readonly name: string;
  /** Repeatable keys append (Address, AllowedIPs, DNS, hooks); others may appear once. */
  readonly repeatable: boolean;
  /**
   * How the value text is cleaned before `apply` sees it. "compact" removes all
   * whitespace, as `wg` does for every line; "trimmed" only trims the ends,
   * as wg-quick does for its bash hooks so commands keep their spaces.
   */
  readonly value: "compact" | "trimmed";
  /** Stores the value into the section being built; throws ValueError on bad input. */
  apply(value: string, target: Target): void;
}

export type KeyTable<Target> = ReadonlyMap<string, KeySpec<Target>>;

export function keyTable<Target>(...specs: KeySpec<Target>[]): KeyTable<Target> {
  return new Map(specs.map((s) => [s.name.toLowerCase(), s]));
}
