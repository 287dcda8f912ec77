// The addon's write path when the kernel queue is full. A TUN device
// practically never returns EAGAIN, so this uses a real non-blocking FIFO,
// whose 64 KiB buffer fills for real; the write code does not care which
// kind of fd it is.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { closeSync, constants, mkdtempSync, openSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { native } from "../src/native.js";

describe("native write (a FIFO stands in for a full TUN queue)", () => {
  it("drops and counts the rest of a batch on EAGAIN, one write per packet before that", () => {
    const dir = mkdtempSync(join(tmpdir(), "ptn-fifo-"));
    const path = join(dir, "fifo");
    execFileSync("mkfifo", [path]);
    // O_RDWR so the open does not wait for a reader.
    const fd = openSync(path, constants.O_RDWR | constants.O_NONBLOCK);
    try {
      const packet = new Uint8Array(4096);
      const batch = Array.from({ length: 40 }, () => packet);
      const stats = new Float64Array(3);
      const written = native().write(fd, batch, stats);
      // A pipe holds 64 KiB by default: 16 packets of 4 KiB.
      assert.equal(written, 16);
      assert.deepEqual(Array.from(stats), [16, 24, 0]);
      assert.equal(native().write(fd, [packet], stats), 0);
      assert.deepEqual(Array.from(stats), [16, 25, 0]);
    } finally {
      closeSync(fd);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("rejects packets that are not bytes without writing anything", () => {
    const stats = new Float64Array(3);
    assert.throws(() => native().write(-1, ["not bytes" as unknown as Uint8Array], stats), TypeError);
    assert.throws(() => native().write(-1, [], new Float64Array(1)), TypeError);
    assert.deepEqual(Array.from(stats), [0, 0, 0]);
  });
});
