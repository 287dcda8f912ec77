// Glue between node:test and the lab: one fresh Lab per test, closed by t.after even when the
// test fails, with every daemon's recent output attached to the failure as a diagnostic.
import type { TestContext } from "node:test";
import { Lab, implsUnderTest, requirePrerequisites, type Impl, type ImplPair } from "./netns.js";

export async function inLab<T>(t: TestContext, fn: (lab: Lab) => Promise<T>): Promise<T> {
  const lab = await Lab.create();
  t.after(() => lab.close());
  try {
    return await fn(lab);
  } catch (err) {
    t.diagnostic(`lab ${lab.id} daemon output:\n${lab.daemonLogs()}`);
    throw err;
  }
}

/** The pairs selected by PLUG_E2E_PAIRS, after checking (loudly) that everything they need exists. */
export function pairsUnderTest(extraTools: readonly string[] = []): ImplPair[] {
  const pairs = implsUnderTest();
  const impls = new Set<Impl>(pairs.flatMap((p) => [p.a, p.b]));
  requirePrerequisites([...impls], extraTools);
  return pairs;
}

/** Human label for a side, e.g. "plugd(A)". */
export function roleLabel(pair: ImplPair, side: "a" | "b"): string {
  return `${pair[side]}(${side.toUpperCase()})`;
}
