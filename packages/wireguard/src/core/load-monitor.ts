// Under-load detection for handshake messages (§5.3). WG-GO looks at its
// handshake queue depth; a sans-IO core has no queue, so it counts arrivals:
// more than UNDER_LOAD_THRESHOLD in the last second, or a burst of
// UNDER_LOAD_BURST within UNDER_LOAD_BURST_WINDOW ms, means under load, and
// the state lingers for UNDER_LOAD_TAIL after it was last seen.
import { UNDER_LOAD_BURST, UNDER_LOAD_BURST_WINDOW, UNDER_LOAD_TAIL, UNDER_LOAD_THRESHOLD } from "./constants.js";

export class LoadMonitor {
  /** Ring of the last THRESHOLD arrival times. */
  private readonly arrivals = new Float64Array(UNDER_LOAD_THRESHOLD).fill(-Infinity);
  private next = 0;
  private underLoadUntil = -Infinity;

  /** Records one handshake message arrival and says whether the device is under load now. */
  arrive(now: number): boolean {
    const size = this.arrivals.length;
    const oldest = this.arrivals[this.next] ?? -Infinity;
    const burstStart = this.arrivals[(this.next + size - UNDER_LOAD_BURST) % size] ?? -Infinity;
    this.arrivals[this.next] = now;
    this.next = (this.next + 1) % size;
    // The slot we overwrite held the arrival THRESHOLD messages ago: if that is
    // under a second old, this is the (THRESHOLD+1)th within a second. Likewise
    // for the short burst, UNDER_LOAD_BURST arrivals back.
    if (now - oldest < 1_000 || now - burstStart < UNDER_LOAD_BURST_WINDOW) this.underLoadUntil = now + UNDER_LOAD_TAIL;
    return now < this.underLoadUntil;
  }
}
