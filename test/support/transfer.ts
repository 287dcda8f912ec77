// Runs test/support/tcp-stream.ts on both ends of a tunnel: a verified TCP transfer.
import assert from "node:assert/strict";
import { waitFor, type Lab, type Side } from "./netns.js";
import type { StreamDigest } from "./tcp-stream.js";

export const TRANSFER_BYTES = 128 * 1024 * 1024;
const STREAM = "test/support/tcp-stream.ts";

export async function verifiedTransfer(lab: Lab, from: Side, to: Side, host: string, seed: string, bytes = TRANSFER_BYTES): Promise<{ sent: StreamDigest; received: StreamDigest }> {
  const sink = lab.spawn(to.ns, process.execPath, ["--import", "tsx", STREAM, "recv", host, "5001"]);
  await waitFor("receiver to listen", async () => (sink.output.includes("listening") ? true : sink.running ? undefined : Promise.reject(new Error(sink.output))));
  const sender = await from.ns.exec(process.execPath, ["--import", "tsx", STREAM, "send", host, "5001", String(bytes), seed], { timeoutMs: 180_000 });
  const code = await sink.exited;
  assert.equal(code, 0, sink.output);
  const lastJson = (text: string): StreamDigest => JSON.parse(text.trim().split("\n").pop() ?? "{}") as StreamDigest;
  return { sent: lastJson(sender.stdout), received: lastJson(sink.output) };
}

