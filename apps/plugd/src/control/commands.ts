// `plugd status`, `plugd netcheck` and `plugd ping`: clients of a running
// daemon's control socket.
import type { InterfaceStatus } from "../coordination/status.js";
import { ControlError, pickInterface, request, runningInterfaces } from "./client.js";
import { formatNetcheck, formatStatus } from "./format.js";

export interface ControlCommandOptions {
  readonly ifname: string | null;
  readonly json: boolean;
  readonly out: NodeJS.WritableStream;
  readonly err: NodeJS.WritableStream;
}

function fail(err: unknown, e: NodeJS.WritableStream): number {
  e.write(`plugd: ${err instanceof Error ? err.message : String(err)}\n`);
  return 1;
}

export async function statusCommand(o: ControlCommandOptions): Promise<number> {
  try {
    const names = o.ifname === null ? runningInterfaces() : [o.ifname];
    if (names.length === 0) throw new ControlError("no plugd interface is running");
    const all = [];
    for (const name of names) all.push((await request(name, { op: "status" })) as InterfaceStatus);
    if (o.json) o.out.write(`${JSON.stringify(o.ifname === null ? all : all[0], null, 2)}\n`);
    else o.out.write(all.map((s) => formatStatus(s)).join("\n"));
    return 0;
  } catch (err) {
    return fail(err, o.err);
  }
}

export async function netcheckCommand(o: ControlCommandOptions): Promise<number> {
  try {
    const s = (await request(pickInterface(o.ifname), { op: "netcheck" })) as InterfaceStatus;
    o.out.write(o.json ? `${JSON.stringify(s, null, 2)}\n` : formatNetcheck(s));
    return 0;
  } catch (err) {
    return fail(err, o.err);
  }
}

export interface PingOptions extends ControlCommandOptions {
  readonly peer: string;
  readonly timeoutMs: number;
}

/** Probes the peer and prints each verified path's RTT as it appears, until the path is direct (exit 0) or time runs out (exit 1). */
export async function pingCommand(o: PingOptions): Promise<number> {
  try {
    const ifname = pickInterface(o.ifname);
    const deadline = Date.now() + o.timeoutMs;
    const seen = new Set<string>();
    let s = (await request(ifname, { op: "ping", peer: o.peer })) as InterfaceStatus;
    for (;;) {
      const p = s.peers.find((x) => x.publicKey === o.peer);
      if (p === undefined) throw new ControlError(`${ifname}: no peer ${o.peer}`);
      for (const v of p.verifiedPaths) {
        if (seen.has(v.endpoint)) continue;
        seen.add(v.endpoint);
        if (o.json) o.out.write(`${JSON.stringify({ pong: { kind: v.kind, endpoint: v.endpoint, rttMs: v.rttMs } })}\n`);
        else o.out.write(`pong from ${v.kind} ${v.endpoint}: ${v.rttMs} ms\n`);
      }
      const done = p.path === "lan" || p.path === "direct";
      if (done || Date.now() >= deadline) {
        if (o.json) o.out.write(`${JSON.stringify({ path: p.path, endpoint: p.endpoint, rttMs: p.rttMs, ...(p.reason === undefined ? {} : { reason: p.reason }) })}\n`);
        else if (done) o.out.write(`path: ${p.path} via ${p.endpoint ?? "?"}${p.rttMs === null ? "" : ` (${p.rttMs} ms)`}\n`);
        else o.out.write(`path: ${p.path}${p.reason === undefined ? "" : ` — ${p.reason}`}\n`);
        return done ? 0 : 1;
      }
      await new Promise((r) => setTimeout(r, 250));
      s = (await request(ifname, { op: "status" })) as InterfaceStatus;
    }
  } catch (err) {
    return fail(err, o.err);
  }
}
