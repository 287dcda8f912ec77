// The five per-peer timers of §6.6 as absolute monotonic deadlines (null =
// not pending). Deadlines instead of callbacks keep the core sans-IO: the I/O
// layer asks for the earliest one and calls tick().
export class PeerTimers {
  retransmitHandshake: number | null = null;
  sendKeepalive: number | null = null;
  newHandshake: number | null = null;
  zeroKeyMaterial: number | null = null;
  persistentKeepalive: number | null = null;
  handshakeAttempts = 0;
  needAnotherKeepalive = false;
  sentLastMinuteHandshake = false;

  earliest(): number | null {
    let min: number | null = null;
    for (const d of [this.retransmitHandshake, this.sendKeepalive, this.newHandshake, this.zeroKeyMaterial, this.persistentKeepalive]) {
      if (d !== null && (min === null || d < min)) min = d;
    }
    return min;
  }

  stopAll(): void {
    this.retransmitHandshake = null;
    this.sendKeepalive = null;
    this.newHandshake = null;
    this.zeroKeyMaterial = null;
    this.persistentKeepalive = null;
    this.handshakeAttempts = 0;
    this.needAnotherKeepalive = false;
    this.sentLastMinuteHandshake = false;
  }
}
