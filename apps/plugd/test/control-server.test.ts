// The control socket's protocol: one JSON request per line, one JSON answer,
// over a real Unix socket in a temporary directory. The daemon behind it is a
// fake ControlTarget: the socket protocol is what is under test here.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { connect, createServer } from "node:net";
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Logger } from "@plug/wireguard";
import { deviceOnlyStatus, type InterfaceStatus } from "../src/coordination/status.js";
import { ControlError, pickInterface, request, runningInterfaces } from "../src/control/client.js";
import { ControlServer, type ControlTarget } from "../src/control/server.js";
import { MAX_REQUEST_BYTES, controlSocketPath } from "../src/control/socket.js";

const PEER = "HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8ykw=";

function status(name: string): InterfaceStatus {
  return deviceOnlyStatus(name, { privateKey: null, listenPort: 51820, fwmark: 0, peers: [] });
}

class FakeTarget implements ControlTarget {
  probed: string[] = [];
  netcheckFails = false;
  status(): InterfaceStatus {
    return status("wgtest0");
  }
  async netcheck(): Promise<InterfaceStatus> {
    await new Promise((r) => setTimeout(r, 20));
    if (this.netcheckFails) throw new Error("STUN server unreachable");
    return { ...status("wgtest0"), networkMonitor: "netcheck" };
  }
  probePeer(key: string): boolean {
    this.probed.push(key);
    return key === PEER;
  }
}

/** Writes raw chunks to the socket and returns everything it answers before closing. */
function raw(path: string, chunks: readonly string[], gapMs = 0): Promise<{ text: string; error: string | null }> {
  return new Promise((resolve) => {
    const conn = connect(path);
    let text = "";
    let error: string | null = null;
    conn.setEncoding("utf8");
    conn.on("data", (d: string) => (text += d));
    conn.on("error", (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
    conn.on("close", () => resolve({ text, error }));
    conn.on("connect", () => {
      void (async () => {
        for (const c of chunks) {
          if (conn.destroyed) return;
          conn.write(c);
          if (gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
        }
      })();
    });
  });
}

describe("control socket", () => {
  let dir: string;
  let server: ControlServer;
  const target = new FakeTarget();
  const errors: string[] = [];
  const log: Logger = { verbose: () => undefined, info: () => undefined, error: (m) => errors.push(m) };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "plug-control-"));
    // A stale socket file from a crashed daemon must not stop a new one.
    writeFileSync(controlSocketPath(dir, "wgtest0"), "stale");
    server = await ControlServer.listen("wgtest0", target, log, dir);
  });

  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("is root-only: the socket's mode is 0600", () => {
    const st = statSync(server.path);
    assert.ok(st.isSocket());
    assert.equal(st.mode & 0o777, 0o600);
  });

  it("answers status, and the client helpers find the interface", async () => {
    assert.deepEqual(runningInterfaces(dir), ["wgtest0"]);
    assert.equal(pickInterface(null, dir), "wgtest0");
    assert.equal(pickInterface("other", dir), "other");
    assert.deepEqual(await request("wgtest0", { op: "status" }, 5_000, dir), status("wgtest0"));
  });

  it("answers netcheck (asynchronous)", async () => {
    const r = (await request("wgtest0", { op: "netcheck" }, 5_000, dir)) as InterfaceStatus;
    assert.equal(r.networkMonitor, "netcheck");
  });

  it("ping probes a known peer and answers with the status; an unknown peer is an error", async () => {
    assert.deepEqual(await request("wgtest0", { op: "ping", peer: PEER }, 5_000, dir), status("wgtest0"));
    await assert.rejects(request("wgtest0", { op: "ping", peer: "bm90IGEga2V5" }, 5_000, dir), (e: unknown) => e instanceof ControlError && /no coordinated peer bm90IGEga2V5/.test(e.message));
    assert.deepEqual(target.probed.slice(-2), [PEER, "bm90IGEga2V5"]);
  });

  it("refuses ping without a peer, unknown ops and requests that are not objects", async () => {
    const cases: [string, string][] = [
      ['{"op":"ping"}\n', "ping needs a peer"],
      ['{"op":"ping","peer":42}\n', "ping needs a peer"],
      ['{"op":"reboot"}\n', "unknown request"],
      ["{}\n", "unknown request"],
      ["null\n", "unknown request"],
      ["[1,2]\n", "unknown request"],
      ['"status"\n', "unknown request"],
      ["\n", "request is not JSON"],
      ["status\n", "request is not JSON"],
      ["\u0000\u00ff{{{\n", "request is not JSON"],
    ];
    for (const [line, error] of cases) {
      const { text } = await raw(server.path, [line]);
      assert.deepEqual(JSON.parse(text), { ok: false, error }, JSON.stringify(line));
      assert.ok(text.endsWith("\n"), "one answer per line");
    }
  });

  it("assembles a request split over several writes", async () => {
    const { text } = await raw(server.path, ['{"op":', '"sta', 'tus"}', "\n"], 15);
    assert.deepEqual(JSON.parse(text), { ok: true, result: status("wgtest0") });
  });

  it("drops an oversized request without answering, and keeps serving", async () => {
    const big = `{"op":"status","pad":"${"x".repeat(MAX_REQUEST_BYTES)}"}\n`;
    const r = await raw(server.path, [big]);
    assert.equal(r.text, "");
    // A slow drip of bytes without a newline is cut off the same way.
    const drip = await raw(server.path, Array.from({ length: 10 }, () => "y".repeat(512)), 5);
    assert.equal(drip.text, "");
    assert.deepEqual(await request("wgtest0", { op: "status" }, 5_000, dir), status("wgtest0"));
  });

  it("a failing netcheck is an internal error, logged, and the socket keeps serving", async () => {
    target.netcheckFails = true;
    try {
      await assert.rejects(request("wgtest0", { op: "netcheck" }, 5_000, dir), (e: unknown) => e instanceof ControlError && /internal error/.test(e.message));
      assert.ok(errors.some((m) => m.includes("STUN server unreachable")));
    } finally {
      target.netcheckFails = false;
    }
    assert.equal(((await request("wgtest0", { op: "netcheck" }, 5_000, dir)) as InterfaceStatus).interface, "wgtest0");
  });

  it("survives clients that hang up before the answer", async () => {
    await new Promise<void>((resolve) => {
      const conn = connect(server.path, () => {
        conn.write('{"op":"netcheck"}\n');
        conn.destroy();
        resolve();
      });
    });
    await new Promise((r) => setTimeout(r, 60));
    assert.deepEqual(await request("wgtest0", { op: "status" }, 5_000, dir), status("wgtest0"));
  });

  it("answers one request per connection, even when a client sends more", async () => {
    for (const chunks of [['{"op":"status"}\n{"op":"netcheck"}\n'], ['{"op":"netcheck"}\n', '{"op":"status"}\n', '{"op":"status"}\n']]) {
      const { text } = await raw(server.path, chunks, 5);
      const lines = text.split("\n").filter((l) => l !== "");
      assert.equal(lines.length, 1, JSON.stringify(text));
      assert.equal((JSON.parse(lines[0] ?? "") as { ok: boolean }).ok, true);
    }
    assert.deepEqual(await request("wgtest0", { op: "status" }, 5_000, dir), status("wgtest0"));
  });

  it("serves concurrent clients", async () => {
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => request("wgtest0", i % 2 === 0 ? { op: "status" } : { op: "netcheck" }, 5_000, dir)));
    assert.equal(answers.length, 20);
  });
});

describe("control client without a daemon", () => {
  it("names the missing daemon and the socket path", async () => {
    const dir = mkdtempSync(join(tmpdir(), "plug-control-"));
    try {
      await assert.rejects(request("wgnone0", { op: "status" }, 2_000, dir), (e: unknown) => e instanceof ControlError && e.message.includes("no plugd is running") && e.message.includes(dir));
      assert.deepEqual(runningInterfaces(dir), []);
      assert.throws(() => pickInterface(null, dir), /no plugd interface is running/);
      writeFileSync(join(dir, "a.sock"), "");
      writeFileSync(join(dir, "b.sock"), "");
      assert.throws(() => pickInterface(null, dir), /several interfaces are running \(a, b\)/);
      assert.deepEqual(runningInterfaces(join(dir, "absent")), []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("says the interface exists when a live UAPI socket does but the control socket does not (plugd starting)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "plug-control-"));
    const uapiDir = mkdtempSync(join(tmpdir(), "plug-uapi-"));
    const uapi = createServer((c) => c.destroy());
    try {
      await new Promise<void>((resolve) => uapi.listen(join(uapiDir, "wgstart0.sock"), resolve));
      await assert.rejects(
        request("wgstart0", { op: "status" }, 2_000, dir, uapiDir),
        (e: unknown) => e instanceof ControlError && e.message.includes("the interface exists but has no plugd control socket") && e.message.includes(dir),
      );
      // A leftover socket file nobody listens on, or none at all: no daemon.
      writeFileSync(join(uapiDir, "wgstale0.sock"), "");
      await assert.rejects(request("wgstale0", { op: "status" }, 2_000, dir, uapiDir), (e: unknown) => e instanceof ControlError && e.message.includes("no plugd is running"));
      await assert.rejects(request("wgother0", { op: "status" }, 2_000, dir, uapiDir), (e: unknown) => e instanceof ControlError && e.message.includes("no plugd is running"));
    } finally {
      await new Promise((r) => uapi.close(r));
      rmSync(dir, { recursive: true, force: true });
      rmSync(uapiDir, { recursive: true, force: true });
    }
  });

  it("close() removes the socket file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "plug-control-"));
    try {
      const s = await ControlServer.listen("wgtest1", new FakeTarget(), { verbose: () => undefined, info: () => undefined, error: () => undefined }, dir);
      assert.ok(existsSync(s.path));
      await s.close();
      assert.equal(existsSync(s.path), false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
