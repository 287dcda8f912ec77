// The §11.2 message 1 (both PSK variants) sent as raw bytes to a daemon that
// holds the matching keys is accepted and answered with a response that our
// independently computed handshake state authenticates.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { CheckLab, implsToCheck } from "./lab.js";
import { createInitiation, decodeMessage, RawPeer, Session, consumeResponse } from "../support/rawpeer/index.js";

interface Kat { inputs: Record<string, string>; trace: [string, string][] }
const kats = JSON.parse(readFileSync("/work/shared/reference/kat_vectors.json", "utf8")) as Record<string, Kat>;
const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, "hex"));

for (const impl of implsToCheck()) {
  test(`${impl}: KAT message 1 is accepted and answered (zero and non-zero PSK)`, async (t) => {
    const lab = await CheckLab.start(impl);
    t.after(() => lab.close());
    const socket = await lab.openSocket();
    for (const [name, kat] of Object.entries(kats)) {
      const inp = kat.inputs;
      const initiator = { privateKey: hex(inp.Si_priv!), publicKey: hex(inp.Si_pub!) };
      const responderPub = hex(inp.Sr_pub!);
      assert.equal(await lab.set([`private_key=${inp.Sr_priv}`, "replace_peers=true", `public_key=${inp.Si_pub}`, `preshared_key=${inp.psk}`, "allowed_ip=10.77.0.2/32"]), "errno=0\n\n");
      const { bytes, pending } = createInitiation({
        local: initiator, remoteStatic: responderPub, ephemeralPrivate: hex(inp.Ei_priv!),
        sender: Number(inp.initiator_sender_index), timestamp: hex(inp.timestamp!),
      });
      const message1 = kat.trace.find(([k]) => k.startsWith("MESSAGE 1"))?.[1];
      assert.equal(Buffer.from(bytes).toString("hex"), message1, `${name}: our message 1 is the vector`);
      await socket.send(bytes, "127.0.0.1", lab.port);
      const d = await socket.next((x) => decodeMessage(x.data)?.type === 2, 5000);
      assert.ok(d, `${name}: the daemon answered the vector's message 1`);
      assert.equal(d.data.length, 92);
      const kp = consumeResponse(pending, hex(inp.psk!), d.data);
      assert.ok(kp, `${name}: the response authenticates with the vector's handshake state and PSK`);
      const m2 = decodeMessage(d.data);
      assert.ok(m2?.type === 2 && m2.receiver === Number(inp.initiator_sender_index));
      assert.equal(kp.remoteIndex, m2.sender);
      // Confirm the session both ways: keepalive in, then counters show it.
      const session = new Session(kp);
      const peer = new RawPeer({ identity: initiator, daemonStatic: responderPub, psk: hex(inp.psk!), socket, daemonAddress: "127.0.0.1", daemonPort: lab.port });
      await peer.send(session.seal(new Uint8Array(0)));
      const f = await (async () => {
        for (let i = 0; i < 50; i++) {
          const fields = await lab.peerFields(initiator.publicKey);
          if (fields.get("rx_bytes") === String(148 + 32)) return fields;
          await new Promise((r) => setTimeout(r, 50));
        }
        return lab.peerFields(initiator.publicKey);
      })();
      assert.equal(f.get("rx_bytes"), String(148 + 32), `${name}: initiation and keepalive counted`);
      assert.equal(f.get("tx_bytes"), "92");
      assert.notEqual(f.get("last_handshake_time_sec"), "0", `${name}: keepalive confirmed the session`);
    }
    lab.assertAlive();
  });
}
