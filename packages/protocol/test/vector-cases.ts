// The inputs of the frozen test vectors and the code that computes the
// outputs. vectors.json holds the outputs as they were when the protocol was
// frozen; protocol.vectors.test.ts recomputes them and must match byte for
// byte. Regenerate only on a deliberate wire change:
//   node --import tsx packages/protocol/test/vector-cases.ts > packages/protocol/test/vectors.json
import { publicKeyFromPrivate, 
  CandidateKind,
  NatBehavior,
  RelayPolicy,
  computeCookie,
  deriveLinkKeys,
  derivePairKeys,
  deriveRid,
  deriveSlotToken,
  encodeCandidateList,
  encodeCookieReply,
  encodePing,
  encodePong,
  encodePush,
  encodeRegister,
  encodeRegisterAck,
  encodeRelayFrame,
  encodeVersionMessage,
  PeerTransport,
  RegisterStatus,
  sealCandidates,
  x25519,
  type CandidateList,
} from "../src/index.js";

const fill = (start: number, n = 32): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (start + i) & 0xff);
const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

export function computeVectors(): Record<string, string> {
  const privA = fill(0x10);
  privA[0] = (privA[0] ?? 0) & 0xf8;
  privA[31] = ((privA[31] ?? 0) & 0x7f) | 0x40;
  const privB = fill(0x50);
  privB[0] = (privB[0] ?? 0) & 0xf8;
  privB[31] = ((privB[31] ?? 0) & 0x7f) | 0x40;
  const pubA = publicKeyFromPrivate(privA);
  const pubB = publicKeyFromPrivate(privB);
  const psk = fill(0xa0);
  const a = derivePairKeys(privA, pubA, pubB);
  const b = derivePairKeys(privB, pubB, pubA);
  const aPsk = derivePairKeys(privA, pubA, pubB, psk);
  const epoch = 493_000n;
  const rid = deriveRid(a.pairKey, epoch);
  const list: CandidateList = {
    timestampMs: 1_774_000_000_000n,
    mapping: NatBehavior.EndpointIndependent,
    filtering: NatBehavior.AddressAndPortDependent,
    relay: RelayPolicy.LastResort,
    candidates: [
      { kind: CandidateKind.Lan, endpoint: { family: 4, address: "192.168.1.20", port: 51820 } },
      { kind: CandidateKind.Ipv6, endpoint: { family: 6, address: "2001:db8::20", port: 51820 } },
      { kind: CandidateKind.Public, endpoint: { family: 4, address: "203.0.113.7", port: 40001 } },
      { kind: CandidateKind.PortMapped, endpoint: { family: 4, address: "203.0.113.7", port: 51820 } },
    ],
  };
  const sealed = sealCandidates(a.sealKey, rid, a.role, list, (n) => fill(0xc0, n));
  const serverPriv = fill(0x70);
  serverPriv[0] = (serverPriv[0] ?? 0) & 0xf8;
  serverPriv[31] = ((serverPriv[31] ?? 0) & 0x7f) | 0x40;
  const serverPub = publicKeyFromPrivate(serverPriv);
  const ephPriv = fill(0x90);
  ephPriv[0] = (ephPriv[0] ?? 0) & 0xf8;
  ephPriv[31] = ((ephPriv[31] ?? 0) & 0x7f) | 0x40;
  const ephPub = publicKeyFromPrivate(ephPriv);
  const link = deriveLinkKeys(x25519(ephPriv, serverPub), ephPub, serverPub);
  const cookieSecret = fill(0xe0);
  const observed = { family: 4 as const, address: "198.51.100.9", port: 40001 };
  const cookie = computeCookie(cookieSecret, observed, "udp");
  const channel = fill(0x33, 8);
  const txid = fill(0x44, 12);
  return {
    privA: hex(privA),
    privB: hex(privB),
    pubA: hex(pubA),
    pubB: hex(pubB),
    psk: hex(psk),
    roleA: String(a.role),
    pairKey: hex(a.pairKey),
    pairKeyFromB: hex(b.pairKey),
    pairKeyWithPsk: hex(aPsk.pairKey),
    sealKey: hex(a.sealKey),
    probeKey: hex(a.probeKey),
    epoch: String(epoch),
    rid: hex(rid),
    ridNextEpoch: hex(deriveRid(a.pairKey, epoch + 1n)),
    slotRole0: hex(deriveSlotToken(a.pairKey, rid, 0)),
    slotRole1: hex(deriveSlotToken(a.pairKey, rid, 1)),
    candidateList: hex(encodeCandidateList(list)),
    sealedCandidates: hex(sealed),
    serverPriv: hex(serverPriv),
    serverPub: hex(serverPub),
    ephemeralPriv: hex(ephPriv),
    ephemeralPub: hex(ephPub),
    linkC2s: hex(link.c2s),
    linkS2c: hex(link.s2c),
    cookieSecret: hex(cookieSecret),
    cookie: hex(cookie),
    cookieReply: hex(encodeCookieReply({ echo: 7n, cookie })),
    register: hex(encodeRegister(link, cookie, 7n, { rid, slot: deriveSlotToken(a.pairKey, rid, a.role), flags: 0, sealed })),
    registerAck: hex(encodeRegisterAck(link, 3n, { echo: 7n, status: RegisterStatus.Ok, rid, lifetimeSeconds: 120, observed })),
    push: hex(encodePush(link, 4n, { rid, flags: 0, channel, peerObserved: { family: 6, address: "2001:db8::99", port: 9 }, peerTransport: PeerTransport.Udp, sealed })),
    relayFrame: hex(encodeRelayFrame(channel, Uint8Array.of(4, 0, 0, 0, 1, 2, 3))),
    ping: hex(encodePing(a.probeKey, a.role, txid)),
    pong: hex(encodePong(b.probeKey, b.role, txid, observed)),
    version: hex(encodeVersionMessage()),
  };
}

if (process.argv[1]?.endsWith("vector-cases.ts")) {
  process.stdout.write(JSON.stringify(computeVectors(), null, 2) + "\n");
}
