// `plugd status`, `plugd netcheck` and `plugd ping` as the CLI runs them:
// against a ControlServer listening in the real control directory under a
// name unique to this test process (the commands always use CONTROL_DIR).
// The daemon behind the socket is a fake ControlTarget.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import type { Logger } from "@plug/wireguard";
import type { InterfaceStatus, PeerStatus } from "../src/coordination/status.js";
import { netcheckCommand, pingCommand, statusCommand } from "../src/control/commands.js";
import { ControlServer, type ControlTarget } from "../src/control/server.js";
import { CONTROL_DIR, controlSocketPath } from "../src/control/socket.js";

const PEER = "HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8ykw=";
const IFNAME = `ct${process.pid}`;
const quiet: Logger = { verbose: () => undefined, info: () => undefined, error: () => undefined };

function capture(): { stream: Writable; text: () => string } {
  let text = "";
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

const relayed: PeerStatus = {
  publicKey: PEER,
  path: "relay-udp",
  reason: "no direct candidate answered probes",
  endpoint: "[100:0:0:0:1:2:3:4]:0",
  rttMs: null,
  lastHandshake: null,
  rxBytes: "0",
  txBytes: "0",
  verifiedPaths: [],
  candidates: 2,
  peerNat: null,
};

const direct: PeerStatus = {
  publicKey: PEER,
  path: "direct",
  endpoint: "203.0.113.5:40000",
  rttMs: 12,
  lastHandshake: null,
  rxBytes: "0",
  txBytes: "0",
  verifiedPaths: [{ endpoint: "203.0.113.5:40000", kind: "public", rttMs: 12 }],
  candidates: 2,
  peerNat: null,
};

class Target implements ControlTarget {
  /** Status polls answered as relayed before the peer turns direct (Infinity: never). */
  directAfter = Infinity;
  polls = 0;
  probed: string[] = [];
  status(): InterfaceStatus {
    const peer = this.polls++ >= this.directAfter ? direct : relayed;
    return {
      interface: IFNAME,
      listenPort: 51820,
      coordinator: null,
      nat: null,
      portMapping: { mode: "off", method: null, external: null, lifetimeSeconds: null, error: null },
      networkMonitor: "netlink",
      lastNetworkChange: null,
      drops: {},
      peers: [peer],
    };
  }
  netcheck(): Promise<InterfaceStatus> {
    return Promise.resolve(this.status());
  }
  probePeer(key: string): boolean {
    this.probed.push(key);
    return key === PEER;
  }
}

describe("control commands", () => {
  const target = new Target();
  let server: ControlServer;

  before(async () => {
    server = await ControlServer.listen(IFNAME, target, quiet);
    assert.equal(server.path, controlSocketPath(CONTROL_DIR, IFNAME));
  });

  after(async () => {
    await server.close();
  });

  it("status prints the named interface, as text or JSON", async () => {
    const out = capture();
    const err = capture();
    assert.equal(await statusCommand({ ifname: IFNAME, json: false, out: out.stream, err: err.stream }), 0);
    assert.match(out.text(), new RegExp(`^interface: ${IFNAME}\n`));
    assert.match(out.text(), /not direct because: no direct candidate answered probes/);
    assert.equal(err.text(), "");
    const js = capture();
    assert.equal(await statusCommand({ ifname: IFNAME, json: true, out: js.stream, err: err.stream }), 0);
    assert.equal((JSON.parse(js.text()) as InterfaceStatus).interface, IFNAME);
  });

  it("netcheck prints JSON for the named interface", async () => {
    const out = capture();
    assert.equal(await netcheckCommand({ ifname: IFNAME, json: true, out: out.stream, err: capture().stream }), 0);
    assert.equal((JSON.parse(out.text()) as InterfaceStatus).peers.length, 1);
  });

  it("status of an interface without a daemon fails with exit 1 and names the socket", async () => {
    const err = capture();
    assert.equal(await statusCommand({ ifname: `${IFNAME}x`, json: false, out: capture().stream, err: err.stream }), 1);
    assert.match(err.text(), /^plugd: ct\d+x: no plugd is running for this interface \(.*\.sock\)\n$/);
  });

  it("ping prints each new verified path once and exits 0 when the path turns direct", async () => {
    target.polls = 0;
    target.directAfter = 3;
    const out = capture();
    assert.equal(await pingCommand({ ifname: IFNAME, peer: PEER, json: false, timeoutMs: 10_000, out: out.stream, err: capture().stream }), 0);
    assert.equal(out.text(), "pong from public 203.0.113.5:40000: 12 ms\npath: direct via 203.0.113.5:40000 (12 ms)\n");
    assert.ok(target.polls >= 4, "it polled until the path changed");
    assert.equal(target.probed.at(-1), PEER);
  });

  it("ping gives up at the timeout with exit 1 and says why the path is not direct", async () => {
    target.polls = 0;
    target.directAfter = Infinity;
    const out = capture();
    assert.equal(await pingCommand({ ifname: IFNAME, peer: PEER, json: false, timeoutMs: 600, out: out.stream, err: capture().stream }), 1);
    assert.equal(out.text(), "path: relay-udp — no direct candidate answered probes\n");
  });

  it("ping of a peer the daemon does not coordinate fails with exit 1", async () => {
    const err = capture();
    const other = "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=";
    assert.equal(await pingCommand({ ifname: IFNAME, peer: other, json: false, timeoutMs: 1_000, out: capture().stream, err: err.stream }), 1);
    assert.match(err.text(), /no coordinated peer yAnz5TF/);
  });

  it("ping --json prints one JSON object per line", async () => {
    target.polls = 0;
    target.directAfter = 0;
    const out = capture();
    assert.equal(await pingCommand({ ifname: IFNAME, peer: PEER, json: true, timeoutMs: 5_000, out: out.stream, err: capture().stream }), 0);
    const lines = out.text().trimEnd().split("\n").map((l) => JSON.parse(l) as unknown);
    // Each answering path once, then the path the peer ended on.
    assert.deepEqual(lines[0], { pong: { kind: "public", endpoint: "203.0.113.5:40000", rttMs: 12 } });
    assert.equal(lines.length, 2);
    assert.equal((lines[1] as { path?: string }).path, "direct");
  });
});
