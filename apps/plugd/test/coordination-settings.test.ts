// coordinationSettings: which coordinator a config file selects.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseConfig } from "../src/config/index.js";
import { parseKey } from "../src/config/values.js";
import { DEFAULT_COORDINATOR } from "../src/coordination/default-coordinator.js";
import { SettingsError, coordinationSettings } from "../src/coordination/settings.js";

const PRIVATE = "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=";
const COORD_KEY = "HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8ykw=";

function cfg(extra: string, path = "/etc/wireguard/wg7.conf") {
  return parseConfig(`[Interface]\nPrivateKey = ${PRIVATE}\n${extra}\n`, path);
}

describe("coordinationSettings", () => {
  it("no config file: no coordination (plain wireguard-go replacement)", () => {
    assert.equal(coordinationSettings(null), null);
  });

  it("Coordinator = off: no coordination, whatever else is set", () => {
    assert.equal(coordinationSettings(cfg("Coordinator = off")), null);
    assert.equal(coordinationSettings(cfg(`Coordinator = OFF\nCoordinatorKey = ${COORD_KEY}`)), null);
  });

  it("no Coordinator: the built-in default, its key and WebSocket, port mapping auto", () => {
    const s = coordinationSettings(cfg(""));
    assert.ok(s);
    assert.deepEqual(s.coordinator, { host: DEFAULT_COORDINATOR.host, port: DEFAULT_COORDINATOR.port });
    assert.deepEqual(s.coordinatorKey, parseKey(DEFAULT_COORDINATOR.publicKey));
    assert.equal(s.webSocket, DEFAULT_COORDINATOR.webSocket);
    assert.equal(s.portMapping, "auto");
  });

  it("no Coordinator but other coordination keys: the default host with those overrides", () => {
    const s = coordinationSettings(cfg(`CoordinatorWebSocket = ws://127.0.0.1:8080/\nPortMapping = off`));
    assert.ok(s);
    assert.equal(s.coordinator.host, DEFAULT_COORDINATOR.host);
    assert.equal(s.webSocket, "ws://127.0.0.1:8080/");
    assert.equal(s.portMapping, "off");
  });

  it("a named Coordinator with its key; no WebSocket unless configured", () => {
    const s = coordinationSettings(cfg(`Coordinator = 192.0.2.5:3478\nCoordinatorKey = ${COORD_KEY}\nPortMapping = pcp`));
    assert.ok(s);
    assert.deepEqual(s.coordinator, { host: "192.0.2.5", port: 3478 });
    assert.deepEqual(s.coordinatorKey, parseKey(COORD_KEY));
    assert.equal(s.webSocket, null);
    assert.equal(s.portMapping, "pcp");
    const ws = coordinationSettings(cfg(`Coordinator = coord.example.net:3478\nCoordinatorKey = ${COORD_KEY}\nCoordinatorWebSocket = wss://coord.example.net/plug`));
    assert.equal(ws?.webSocket, "wss://coord.example.net/plug");
    assert.equal(ws?.coordinator.host, "coord.example.net");
  });

  it("a named Coordinator without CoordinatorKey is an error naming the file", () => {
    const path = "/tmp/plug-settings-test/wg9.conf";
    assert.throws(
      () => coordinationSettings(cfg("Coordinator = 192.0.2.5:3478", path)),
      (err: unknown) => err instanceof SettingsError && err.message.includes(path) && err.message.includes("CoordinatorKey"),
    );
  });
});
