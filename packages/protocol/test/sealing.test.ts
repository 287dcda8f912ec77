import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { generatePrivateKey, publicKeyFromPrivate, 
  CandidateKind,
  decodeCandidateList,
  derivePairKeys,
  deriveRid,
  encodeCandidateList,
  MAX_CANDIDATES,
  NatBehavior,
  openCandidates,
  RelayPolicy,
  sealCandidates,
  type CandidateList,
} from "../src/index.js";

const list: CandidateList = {
  timestampMs: 42n,
  mapping: NatBehavior.AddressAndPortDependent,
  filtering: NatBehavior.Unknown,
  relay: RelayPolicy.Prefer,
  candidates: [{ kind: CandidateKind.Public, endpoint: { family: 4, address: "203.0.113.1", port: 1 } }],
};

function pair() {
  const a = generatePrivateKey();
  const b = generatePrivateKey();
  const A = derivePairKeys(a, publicKeyFromPrivate(a), publicKeyFromPrivate(b));
  const B = derivePairKeys(b, publicKeyFromPrivate(b), publicKeyFromPrivate(a));
  return { A, B };
}

test("the partner opens what a peer sealed; roles are opposite", () => {
  const { A, B } = pair();
  assert.notEqual(A.role, B.role);
  const rid = deriveRid(A.pairKey, 5n);
  const sealed = sealCandidates(A.sealKey, rid, A.role, list, randomBytes);
  assert.deepEqual(openCandidates(B.sealKey, deriveRid(B.pairKey, 5n), A.role, sealed), list);
});

test("without the pair key, or moved, altered or reflected, a sealed list does not open", () => {
  const { A, B } = pair();
  const other = pair();
  const rid = deriveRid(A.pairKey, 5n);
  const sealed = sealCandidates(A.sealKey, rid, A.role, list, randomBytes);
  assert.equal(openCandidates(other.B.sealKey, rid, A.role, sealed), undefined, "third party");
  assert.equal(openCandidates(B.sealKey, deriveRid(B.pairKey, 6n), A.role, sealed), undefined, "another rid");
  assert.equal(openCandidates(B.sealKey, rid, B.role, sealed), undefined, "reflected to its sender");
  for (let i = 0; i < sealed.length; i++) {
    const t = Uint8Array.from(sealed);
    t[i] = (t[i] ?? 0) ^ 0x01;
    assert.equal(openCandidates(B.sealKey, rid, A.role, t), undefined, `bit flip at ${i}`);
  }
  assert.equal(openCandidates(B.sealKey, rid, A.role, sealed.subarray(0, 20)), undefined, "truncated");
});

test("candidate list codec is strict", () => {
  const enc = encodeCandidateList(list);
  assert.deepEqual(decodeCandidateList(enc), list);
  assert.throws(() => decodeCandidateList(Uint8Array.of(...enc, 0)), /trailing/);
  assert.throws(() => decodeCandidateList(enc.subarray(0, enc.length - 1)), /truncated/);
  const badKind = Uint8Array.from(enc);
  badKind[13] = 9;
  assert.throws(() => decodeCandidateList(badKind), /kind/);
  const many = { ...list, candidates: new Array(MAX_CANDIDATES + 1).fill(list.candidates[0]) };
  assert.throws(() => encodeCandidateList(many), RangeError);
});
