// The UDP sockets' lookup: IP literals answered at once with their family,
// anything else handed to dns.lookup.
import { test } from "node:test";
import assert from "node:assert/strict";
import { literalLookup } from "../src/net/literal-lookup.js";

test("literals are answered synchronously with their own family; names go through dns.lookup", async () => {
  for (const [host, family] of [["127.0.0.1", 4], ["192.0.2.7", 4], ["::1", 6], ["2001:db8::5", 6]] as const) {
    let got: [string, number] | undefined;
    literalLookup(host, { family: 4 }, (err, address, fam) => {
      assert.equal(err, null);
      got = [address, fam];
    });
    assert.deepEqual(got, [host, family], host);
  }
  let inCall = true;
  let calledDuringCall: boolean | undefined;
  const resolved = await new Promise<[NodeJS.ErrnoException | null, string, number]>((resolve) => {
    literalLookup("localhost", { family: 4 }, (err, address, fam) => {
      calledDuringCall = inCall;
      resolve([err, address, fam]);
    });
    inCall = false;
  });
  assert.equal(calledDuringCall, false, "a name is resolved asynchronously, by dns.lookup");
  assert.equal(resolved[0], null);
  assert.equal(resolved[2], 4);
  assert.equal(resolved[1], "127.0.0.1");
});
