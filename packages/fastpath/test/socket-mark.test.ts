// SO_MARK through the addon on a real UDP socket, read back with getsockopt and
// with ss (which is how a user would check what wg's fwmark did).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createSocket } from "node:dgram";
import { closeSync, openSync } from "node:fs";
import { FastpathError, getSocketMark, setSocketMark } from "../src/index.js";
import { socketFd } from "./support/socket-fd.js";

describe("SO_MARK", () => {
  it("sets the fwmark on a UDP socket, visible to getsockopt and ss", async () => {
    const socket = createSocket("udp4");
    await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
    try {
      const fd = socketFd(socket);
      assert.ok(fd > 0);
      setSocketMark(fd, 0xca6c);
      assert.equal(getSocketMark(fd), 0xca6c);
      const port = socket.address().port;
      const ss = execFileSync("ss", ["-uane", "sport", "=", `:${port}`], { encoding: "utf8" });
      assert.match(ss, /fwmark:0xca6c/);
      setSocketMark(fd, 0);
      assert.equal(getSocketMark(fd), 0);
    } finally {
      socket.close();
    }
  });

  it("fails clearly on something that is not a socket", () => {
    const fd = openSync("/dev/null", "r");
    try {
      assert.throws(() => setSocketMark(fd, 1), (err: unknown) => err instanceof FastpathError && err.code === "ENOTSOCK");
    } finally {
      closeSync(fd);
    }
  });
});
