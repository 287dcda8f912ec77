// Under-load detection for handshake messages (§5.3). WG-GO looks at its
// handshake queue depth; a sans-IO core has no queue, so it counts arrivals:
// more than UNDER_LOAD_THRESHOLD in the last second means under load, and the
// state lingers for UNDER_LOAD_TAIL after it was last seen.
import { UNDER_LOAD_TAIL, UNDER_LOAD_THRESHOLD } from "./constants.js";

export class LoadMonitor {
  /** Ring of the last THRESHOLD arrival times. */
  private readonly arrivals = new Float64Array(UNDER_LOAD_THRESHOLD).fill(-Infinity);
  private next = 0;
  private underLoadUntil = -Infinity;

  /** Records one handshake message arrival and says whether the device is under load now. */
  arrive(now: number): boolean {
    const oldest = this.arrivals[this.next] ?? -Infinity;
    this.arrivals[this.next] = now;
    this.next = (this.next + 1) % this.arrivals.length;
    // The slot we overwrite held the arrival THRESHOLD messages ago: if that is
    // under a second old, this is the (THRESHOLD+1)th within a second.
    if (now - oldest < 1_000) this.underLoadUntil = now + UNDER_LOAD_TAIL;
    return now < this.underLoadUntil;
  }
}
