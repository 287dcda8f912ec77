#!/usr/bin/env node
// Runs every test file with Node's own test runner (TypeScript through tsx).
// Unit tests (packages/*/test, apps/*/test) run first; the end-to-end tests in
// test/ need root, network namespaces and the Debian peers that .ci/run installs,
// so they run one file at a time after them.
//   --unit   only the unit tests
//   --e2e    only the end-to-end tests
//   any other argument is a substring filter on the file path
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { spawnSync } from "node:child_process";

const root = new URL("..", import.meta.url).pathname;
const args = process.argv.slice(2);
const only = args.includes("--unit") ? "unit" : args.includes("--e2e") ? "e2e" : "all";
const filters = args.filter((a) => !a.startsWith("--"));

function walk(dir, out) {
  let entries;
  try { entries = readdirSync(dir); } catch { return out; }
  for (const name of entries) {
    if (name === "node_modules" || name === "dist") continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith(".test.ts")) out.push(relative(root, p));
  }
  return out;
}

const unit = [];
for (const group of ["packages", "apps"]) {
  for (const pkg of readdirSync(join(root, group))) walk(join(root, group, pkg, "test"), unit);
}
// Lab tests inside a package (namespaces, real routers) join the serial phase.
const isLab = (f) => f.endsWith("-lab.test.ts") || f.endsWith(".lab.test.ts");
const e2e = [...walk(join(root, "test"), []), ...unit.filter(isLab)];
unit.splice(0, unit.length, ...unit.filter((f) => !isLab(f)));
const pick = (files) => files.sort().filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)));

const runs = [];
if (only !== "e2e") runs.push({ files: pick(unit), concurrency: 2 });
if (only !== "unit") runs.push({ files: pick(e2e), concurrency: 1 });

let failed = false;
for (const { files, concurrency } of runs) {
  if (files.length === 0) continue;
  const r = spawnSync(
    process.execPath,
    ["--import", "tsx", "--test", `--test-concurrency=${concurrency}`, "--test-reporter=spec", ...files],
    { cwd: root, stdio: "inherit" },
  );
  if (r.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
