// One configured peer as the coordination layer sees it: the pair secrets
// both sides derive (docs/PROTOCOL.md §4) and the rendezvous ids of the
// epochs that are active now. Only the two peers can compute any of this;
// coordd sees rids and slot tokens, never a public key.
import {
  activeEpochs,
  derivePairKeys,
  deriveRid,
  deriveSlotToken,
  type PairKeys,
  type Role,
} from "@plug/protocol";

export interface PairRendezvous {
  readonly epoch: bigint;
  readonly rid: Uint8Array;
  readonly ridHex: string;
  readonly slot: Uint8Array;
}

export class Pair {
  readonly keys: PairKeys;
  readonly partnerRole: Role;
  private cachedEpochs = "";
  private cached: PairRendezvous[] = [];

  constructor(
    readonly peerPublicKey: Uint8Array,
    ownPrivate: Uint8Array,
    ownPublic: Uint8Array,
    readonly presharedKey: Uint8Array | null,
  ) {
    this.keys = derivePairKeys(ownPrivate, ownPublic, peerPublicKey, presharedKey ?? undefined);
    this.partnerRole = this.keys.role === 0 ? 1 : 0;
  }

  /** The rids to hold registrations for at `unixSeconds` (current epoch, plus a neighbour near a boundary). */
  rendezvous(unixSeconds: number): PairRendezvous[] {
    const epochs = activeEpochs(unixSeconds);
    const id = epochs.join(",");
    if (id !== this.cachedEpochs) {
      this.cachedEpochs = id;
      this.cached = epochs.map((epoch) => {
        const rid = deriveRid(this.keys.pairKey, epoch);
        return { epoch, rid, ridHex: Buffer.from(rid).toString("hex"), slot: deriveSlotToken(this.keys.pairKey, rid, this.keys.role) };
      });
    }
    return this.cached;
  }
}
