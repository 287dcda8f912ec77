// UAPI syntax and errno values (WIREGUARD.md §9.2–9.5), spoken byte for byte.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CheckLab, implsToCheck } from "./lab.js";
import { parseGet } from "./uapi.js";
import { dhPublic, newIdentity } from "../support/rawpeer/index.js";
import { clampPrivateKey } from "@plug/wireguard";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

for (const impl of implsToCheck()) {
  test(`${impl}: UAPI get/set syntax and errno values`, async (t) => {
    const lab = await CheckLab.start(impl);
    t.after(() => lab.close());

    const get = await lab.uapi("get=1\n\n");
    assert.match(get, /errno=0\n\n$/, "a get ends with errno=0 and a blank line");
    assert.ok(!get.includes("\n\n\n"));
    const dev = parseGet(get);
    assert.equal(dev.fields.get("private_key"), hex(lab.identity.privateKey));
    assert.equal(dev.fields.get("listen_port"), String(lab.port));

    assert.equal(await lab.set([`private_key=${"zz".repeat(32)}`]), "errno=-22\n\n", "bad hex key");
    assert.equal(await lab.set([`private_key=${"ab".repeat(31)}`]), "errno=-22\n\n", "short key");
    assert.equal(await lab.set(["some_unknown_key=1"]), "errno=-22\n\n", "unknown key");
    assert.equal(await lab.set([`public_key=${hex(newIdentity().publicKey)}`, "protocol_version=2"]), "errno=-22\n\n", "protocol_version other than 1");

    // An unclamped private key is stored and reported clamped.
    const raw = new Uint8Array(32).fill(0xff);
    assert.equal(await lab.set([`private_key=${hex(raw)}`]), "errno=0\n\n");
    assert.equal((await lab.get()).fields.get("private_key"), hex(clampPrivateKey(raw)));
    assert.equal(await lab.set([`private_key=${hex(lab.identity.privateKey)}`]), "errno=0\n\n");

    // Lines before an error stay applied: set is not transactional.
    const peer = newIdentity();
    assert.equal(await lab.set([`public_key=${hex(peer.publicKey)}`, "allowed_ip=10.1.0.20/29", "persistent_keepalive_interval=bogus"]), "errno=-22\n\n");
    const after = (await lab.get()).peers.get(hex(peer.publicKey));
    assert.ok(after, "peer created before the failing line");
    assert.deepEqual(after.allowedIps, ["10.1.0.16/29"], "host bits masked on insert");
    assert.equal(after.fields.get("preshared_key"), "0".repeat(64));
    assert.equal(after.fields.get("last_handshake_time_sec"), "0");
    assert.equal(after.fields.get("rx_bytes"), "0");

    // Our own public key as a peer is ignored silently.
    assert.equal(await lab.set([`public_key=${hex(newIdentity().publicKey)}`, "remove=true"]), "errno=0\n\n");
    const own = dhPublic(lab.identity.privateKey);
    assert.equal(await lab.set([`public_key=${hex(own)}`, "allowed_ip=10.9.9.9/32"]), "errno=0\n\n");
    assert.equal((await lab.get()).peers.has(hex(own)), false);

    // Moving a prefix: re-inserting an owned prefix for another peer takes it away.
    const other = newIdentity();
    assert.equal(await lab.set([`public_key=${hex(other.publicKey)}`, "allowed_ip=10.1.0.16/29"]), "errno=0\n\n");
    const moved = await lab.get();
    assert.deepEqual(moved.peers.get(hex(peer.publicKey))?.allowedIps, []);
    assert.deepEqual(moved.peers.get(hex(other.publicKey))?.allowedIps, ["10.1.0.16/29"]);
    lab.assertAlive();
  });

  test(`${impl}: UAPI empty probe connections and several requests on one connection`, async (t) => {
    const lab = await CheckLab.start(impl);
    t.after(() => lab.close());
    // `wg` connects to every socket and closes without writing.
    for (let i = 0; i < 5; i++) (await lab.connection()).close();
    const c = await lab.connection();
    t.after(() => c.close());
    const g1 = await c.request("get=1\n\n");
    assert.match(g1, /errno=0\n\n$/);
    const peer = newIdentity();
    assert.equal(await c.request(`set=1\npublic_key=${hex(peer.publicKey)}\nallowed_ip=10.77.5.0/24\n\n`), "errno=0\n\n");
    const g2 = parseGet(await c.request("get=1\n\n"));
    assert.deepEqual(g2.peers.get(hex(peer.publicKey))?.allowedIps, ["10.77.5.0/24"]);
    assert.equal(await c.request("set=1\nbogus=1\n\n"), "errno=-22\n\n");
    assert.match(await c.request("get=1\n\n"), /errno=0\n\n$/, "connection still serves after a failed set");
    lab.assertAlive();
  });
}
