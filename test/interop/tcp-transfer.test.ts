// 128 MiB over TCP through the tunnel, content verified: the sender streams a deterministic
// sequence, the receiver hashes what arrived, and both digests must equal the one computed here.
import assert from "node:assert/strict";
import { test } from "node:test";
import { loopbackPair } from "../support/netns.js";
import { inLab, pairsUnderTest } from "../support/scenario.js";
import { expectedDigest } from "../support/tcp-stream.js";
import { TRANSFER_BYTES as BYTES, verifiedTransfer } from "../support/transfer.js";

for (const pair of pairsUnderTest()) {
  test(`${pair.label}: 128 MiB TCP A->B (IPv4) and B->A (IPv6), sha256 verified`, async (t) => {
    await inLab(t, async (lab) => {
      const { a, b } = await loopbackPair(lab, { pair });
      for (const [from, to, host, seed] of [[a, b, b.tunnel4, "a2b"], [b, a, `${a.tunnel6}`, "b2a"]] as const) {
        const expected = expectedDigest(seed, BYTES);
        const { sent, received } = await verifiedTransfer(lab, from, to, host, seed);
        assert.deepEqual(sent, expected, "sender streamed the expected bytes");
        assert.deepEqual(received, expected, `${to.iface.impl} side received every byte intact`);
      }
    });
  });
}
