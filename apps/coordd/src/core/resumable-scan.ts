// Walks a live Map a slice at a time, resuming where the last slice ended,
// so housekeeping over 100,000 registrations is many ~1 ms steps instead of
// one pause of tens of milliseconds that every packet behind it waits for.
// Map iterators stay valid while entries are deleted or added, and a pass
// ends when the iterator does; the next step starts a new pass.

export class ResumableScan<K, V> {
  private iterator: Iterator<[K, V]> | undefined;

  constructor(private readonly map: Map<K, V>) {}

  /** Visits up to `budget` entries (Infinity: one whole fresh pass). Returns how many it visited. */
  step(budget: number, visit: (value: V, key: K) => void): number {
    if (budget === Infinity) this.iterator = undefined;
    this.iterator ??= this.map.entries();
    let n = 0;
    while (n < budget) {
      const r = this.iterator.next();
      if (r.done === true) {
        this.iterator = undefined;
        break;
      }
      visit(r.value[1], r.value[0]);
      n++;
    }
    return n;
  }
}
