// The WebSocket transport's URL handling, and WsLink against a real coordd's
// WebSocket endpoint on loopback (open, a REGISTER answered, stop).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WS_PATH, defaultLimits, startCoordd } from "@plug/coordd";
import { LinkClient, MessageType, RID_LENGTH, SLOT_TOKEN_LENGTH } from "@plug/protocol";
import { WsLink, webSocketEndpoint } from "../src/coordination/ws-link.js";

describe("webSocketEndpoint", () => {
  it("appends the protocol's path to the configured base, keeping any prefix", () => {
    assert.equal(webSocketEndpoint("wss://coord.plug.network/"), `wss://coord.plug.network${WS_PATH}`);
    assert.equal(webSocketEndpoint("wss://coord.plug.network"), `wss://coord.plug.network${WS_PATH}`);
    assert.equal(webSocketEndpoint("ws://127.0.0.1:8080/plug/"), `ws://127.0.0.1:8080/plug${WS_PATH}`);
    assert.equal(webSocketEndpoint("ws://[::1]:8080/a//"), `ws://[::1]:8080/a${WS_PATH}`);
  });
});

describe("WsLink", () => {
  it("opens to a real coordd, carries a REGISTER and its answer, and stops cleanly", async () => {
    const dir = mkdtempSync(join(tmpdir(), "plug-wslink-"));
    const coordd = await startCoordd({ udpPort: 0, altUdpPort: 0, httpPort: 0, httpHost: "127.0.0.1", bind: "127.0.0.1", keyFile: join(dir, "coordd.key"), logLevel: "silent", limits: defaultLimits });
    const received: Uint8Array[] = [];
    let opened = 0;
    let resolveOpen: () => void = () => undefined;
    const open = new Promise<void>((r) => (resolveOpen = r));
    let resolveReply: () => void = () => undefined;
    const reply = new Promise<void>((r) => (resolveReply = r));
    const link = new WsLink(webSocketEndpoint(`ws://127.0.0.1:${coordd.httpPort}/`), {
      onOpen: () => {
        opened++;
        resolveOpen();
      },
      onMessage: (d) => {
        received.push(d);
        resolveReply();
      },
      onClose: () => undefined,
    });
    try {
      assert.equal(link.send(new Uint8Array([1])), false, "nothing is sent before the socket opens");
      link.start();
      link.start(); // idempotent
      await open;
      assert.equal(link.isOpen, true);
      assert.equal(opened, 1);
      const client = new LinkClient(coordd.publicKey);
      const rid = new Uint8Array(RID_LENGTH).fill(3);
      const slot = new Uint8Array(SLOT_TOKEN_LENGTH).fill(4);
      assert.equal(link.send(client.register({ rid, slot, flags: 0, sealed: new Uint8Array(32) })), true);
      await reply;
      // The first answer to a session without a cookie is coordd's cookie reply.
      assert.equal(received[0]?.[0], MessageType.CookieReply);
    } finally {
      link.stop();
      await coordd.close();
      rmSync(dir, { recursive: true, force: true });
    }
    assert.equal(link.isOpen, false);
    assert.equal(link.send(new Uint8Array([1])), false);
  });
});
