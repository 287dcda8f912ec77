// Loaded into plugd with NODE_OPTIONS="--import=<this file>" by bench/tunnel/profile.ts, because
// Node 20 refuses --cpu-prof in NODE_OPTIONS. Profiles the main thread with the inspector's
// sampling profiler from start-up and writes a .cpuprofile into PLUG_CPU_PROF_DIR at exit (the
// in-thread inspector session answers synchronously, so this works from an 'exit' handler).
import { Session } from "node:inspector";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

const dir = process.env.PLUG_CPU_PROF_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post("Profiler.enable");
  session.post("Profiler.setSamplingInterval", { interval: Number(process.env.PLUG_CPU_PROF_INTERVAL_US ?? 500) });
  session.post("Profiler.start");
  process.on("exit", () => {
    session.post("Profiler.stop", (err, result) => {
      if (!err && result) writeFileSync(join(dir, `plugd-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
