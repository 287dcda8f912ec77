// CPU time from /proc, for the benchmarks that charge a daemon's (or a thread's) work per CPU second.
import { readFileSync } from "node:fs";

/** Kernel clock ticks per second (USER_HZ), 100 on every Linux architecture we run on. */
const CLK_TCK = 100;

/** utime + stime in seconds from a /proc stat file (fields 14 and 15), with the comm name. */
export function statCpuS(path: string): { comm: string; cpuS: number } {
  const stat = readFileSync(path, "utf8");
  // comm may hold spaces and parentheses: the fields start after the last ")".
  const close = stat.lastIndexOf(")");
  const fields = stat.slice(close + 2).split(" ");
  // fields[0] is field 3 (state), so field 14 is fields[11].
  return { comm: stat.slice(stat.indexOf("(") + 1, close), cpuS: (Number(fields[11]) + Number(fields[12])) / CLK_TCK };
}
