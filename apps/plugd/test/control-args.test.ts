// parseArgs for the control-socket commands: status, netcheck, ping.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { generatePrivateKey, keyToBase64, publicKeyFromPrivate } from "@plug/protocol";
import { parseArgs, UsageError } from "../src/cli/index.js";

const PEER = keyToBase64(publicKeyFromPrivate(generatePrivateKey(() => new Uint8Array(32).fill(5))));
const env = {};

function usage(argv: string[], pattern: RegExp): void {
  assert.throws(() => parseArgs(argv, env), (err: unknown) => err instanceof UsageError && pattern.test(err.message), argv.join(" "));
}

describe("parseArgs: status and netcheck", () => {
  it("take an optional interface and --json", () => {
    assert.deepEqual(parseArgs(["status"], env), { kind: "status", ifname: null, json: false });
    assert.deepEqual(parseArgs(["status", "wg0"], env), { kind: "status", ifname: "wg0", json: false });
    assert.deepEqual(parseArgs(["status", "--json", "wg0"], env), { kind: "status", ifname: "wg0", json: true });
    assert.deepEqual(parseArgs(["netcheck", "--json"], env), { kind: "netcheck", ifname: null, json: true });
    assert.deepEqual(parseArgs(["netcheck", "wg1"], env), { kind: "netcheck", ifname: "wg1", json: false });
  });

  it("refuse a second interface, unknown options and --timeout", () => {
    usage(["status", "wg0", "wg1"], /at most one interface/);
    usage(["netcheck", "a", "b"], /at most one interface/);
    usage(["status", "--verbose"], /unknown option --verbose/);
    usage(["status", "--timeout", "3"], /unknown option --timeout/);
  });
});

describe("parseArgs: ping", () => {
  it("takes a peer key, an optional interface before it, --json and --timeout in seconds", () => {
    assert.deepEqual(parseArgs(["ping", PEER], env), { kind: "ping", ifname: null, peer: PEER, json: false, timeoutMs: 10_000 });
    assert.deepEqual(parseArgs(["ping", "wg0", PEER], env), { kind: "ping", ifname: "wg0", peer: PEER, json: false, timeoutMs: 10_000 });
    assert.deepEqual(parseArgs(["ping", "--json", "wg0", PEER, "--timeout", "2.5"], env), { kind: "ping", ifname: "wg0", peer: PEER, json: true, timeoutMs: 2_500 });
  });

  it("refuses a missing or malformed peer key", () => {
    usage(["ping"], /public key/);
    usage(["ping", "wg0"], /public key/);
    usage(["ping", PEER.slice(0, 43)], /public key/);
    usage(["ping", `${PEER.slice(0, 42)}B=`], /public key/); // non-canonical last character
    usage(["ping", PEER, "wg0"], /public key/); // the key comes last
    usage(["ping", PEER.replace(/[A-Za-z]/, "!")], /public key/);
  });

  it("refuses two interfaces and bad timeouts", () => {
    usage(["ping", "wg0", "wg1", PEER], /at most one interface/);
    for (const bad of [["--timeout"], ["--timeout", "0"], ["--timeout", "-1"], ["--timeout", "abc"], ["--timeout", "Infinity"], ["--timeout", ""]]) {
      usage(["ping", PEER, ...bad], /--timeout needs a positive number/);
    }
    usage(["ping", PEER, "--count", "3"], /unknown option --count/);
  });

  it("keeps the daemon's own command line unchanged", () => {
    assert.deepEqual(parseArgs(["wg0"], env), { kind: "run", ifname: "wg0", foreground: false, configPath: null });
    // An interface may be called "status" only through the daemon syntax's options first.
    assert.deepEqual(parseArgs(["-f", "status"], env), { kind: "run", ifname: "status", foreground: true, configPath: null });
  });
});
