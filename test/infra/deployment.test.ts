// The deployment files of infra/ and the root docker-compose.yml, checked with the tools that read
// them where this machine has them: Debian's docker-compose validates the compose file without an
// engine (no image is built here: there is no Docker engine, see docs/LIMITATIONS.md). The
// Dockerfile and the systemd units are held to what the README and docs promise: a non-root
// coordd with a health check and no TUN addon, and the same node flags everywhere coordd is run.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dockerfileNodeFlags, systemdNodeOptions } from "../../apps/coordd/bench/deployed-flags.js";
import { REPO_ROOT, run } from "../support/netns.js";

const read = (path: string): string => readFileSync(join(REPO_ROOT, path), "utf8");

/** `docker-compose -f FILE ARGS`, its exit status returned rather than thrown. */
const compose = (file: string, ...args: string[]) => run("docker-compose", ["-f", file, ...args], { allowFailure: true, timeoutMs: 30_000 });

test("docker-compose.yml validates and publishes coordd's ports with its key on a volume", async () => {
  const r = await compose(join(REPO_ROOT, "docker-compose.yml"), "config");
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /dockerfile: infra\/coordd\.Dockerfile/);
  // docker-compose 1.29 prints the long form of each port.
  for (const [port, protocol] of [[3478, "udp"], [3479, "udp"], [8080, "tcp"]] as const) {
    assert.match(r.stdout, new RegExp(`- protocol: ${protocol}\\s+published: ${port}\\s+target: ${port}\\n`));
  }
  assert.match(r.stdout, /^\s+- coordd-key:\/var\/lib\/coordd(:rw)?$/m);
});

test("docker-compose config refuses a broken compose file (the check above can fail)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "plug-compose-"));
  try {
    // The real file with one service key misspelt: a typo a reviewer could miss.
    writeFileSync(join(dir, "docker-compose.yml"), read("docker-compose.yml").replace("restart: unless-stopped", "restrat: unless-stopped"));
    const r = await compose(join(dir, "docker-compose.yml"), "config", "-q");
    assert.notEqual(r.code, 0, "docker-compose accepted an unknown service key");
    assert.match(r.stderr, /restrat/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the coordd image runs as a non-root user, has a health check, stops on SIGTERM and carries no TUN addon", () => {
  const dockerfile = read("infra/coordd.Dockerfile");
  const stages = dockerfile.split(/^FROM /m);
  const final = stages.at(-1) ?? "";
  assert.ok(stages.length >= 3, "multi-stage build");
  assert.match(final, /^USER node$/m);
  assert.match(final, /^HEALTHCHECK .*\\\n\s+CMD .*\/healthz/m);
  assert.match(final, /^STOPSIGNAL SIGTERM$/m);
  assert.doesNotMatch(final, /packages\/tun|plug_tun\.node/, "the TUN addon is plugd's, not coordd's");
  assert.match(final, /^ENTRYPOINT \["node", .*"\/app\/apps\/coordd\/bin\/coordd\.js"\]$/m);
});

test("coordd gets the same node flags from the Dockerfile, the systemd unit and the benchmark's default", () => {
  const fromDocker = dockerfileNodeFlags(read("infra/coordd.Dockerfile"));
  const fromSystemd = systemdNodeOptions(read("infra/systemd/coordd.service"));
  assert.deepEqual(fromSystemd, fromDocker);
  // The benchmark reads the Dockerfile itself (deployed-flags.ts); a changed ENTRYPOINT must still parse.
  assert.deepEqual(dockerfileNodeFlags('FROM x\nENTRYPOINT ["node", "--a=1", "--b", "/app/x.js"]\n'), ["--a=1", "--b"]);
  assert.throws(() => dockerfileNodeFlags('ENTRYPOINT node --a /app/x.js\n'), /ENTRYPOINT/);
  assert.throws(() => dockerfileNodeFlags("FROM x\n"), /no ENTRYPOINT/);
});

test("the plugd@ unit brings the interface up with wg-quick and the coordd unit runs unprivileged", () => {
  const plugd = read("infra/systemd/plugd@.service");
  assert.match(plugd, /^ExecStart=\/usr\/bin\/wg-quick up %i$/m);
  const coordd = read("infra/systemd/coordd.service");
  assert.match(coordd, /^DynamicUser=yes$/m);
  assert.match(coordd, /^CapabilityBoundingSet=$/m);
  assert.match(coordd, /^KillSignal=SIGTERM$/m);
});
