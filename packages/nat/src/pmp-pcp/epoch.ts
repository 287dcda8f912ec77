// Server epoch tracking (RFC 6887 §8.5, which tightens RFC 6886 §3.6): an
// epoch that runs backwards or slower than our own clock means the gateway
// lost its state (rebooted) and every mapping must be re-created.
export class EpochTracker {
  private prev: { server: number; clientMs: number } | undefined;

  /** Records an epoch; false when it reveals lost state. */
  observe(serverEpoch: number, clientNowMs: number): boolean {
    const prev = this.prev;
    this.prev = { server: serverEpoch, clientMs: clientNowMs };
    if (prev === undefined) return true;
    if (serverEpoch < prev.server - 1) return false;
    const clientDelta = (clientNowMs - prev.clientMs) / 1000;
    const serverDelta = serverEpoch - prev.server;
    if (clientDelta + 2 < serverDelta - serverDelta / 16) return false;
    if (serverDelta + 2 < clientDelta - clientDelta / 16) return false;
    return true;
  }

  reset(): void {
    this.prev = undefined;
  }
}
