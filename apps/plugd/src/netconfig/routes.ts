// Routes for the peers' allowed IPs, as wg-quick adds them (add_route):
// longest prefix first; none with Table=off; into the named table when one is
// set; otherwise into main unless a route through the interface already
// covers the prefix, with /0 handed to full-tunnel policy routing.
import { bytesEqual, formatPrefix, publicKeyFromPrivate, type Prefix } from "@plug/wireguard";
import type { PlugConfig } from "../config/index.js";
import { familyFlag, ip, query, type StepContext } from "./context.js";
import { addDefaultRoute } from "./full-tunnel.js";

/**
 * Every allowed IP the device will hold, once each, longest prefix first (ties
 * keep file order). Peers carrying our own public key are left out: the device
 * ignores them.
 */
export function routePrefixes(cfg: PlugConfig): Prefix[] {
  const own = cfg.iface.privateKey ? publicKeyFromPrivate(cfg.iface.privateKey) : null;
  const seen = new Map<string, Prefix>();
  for (const peer of cfg.peers) {
    if (own && bytesEqual(own, peer.publicKey)) continue;
    for (const p of peer.allowedIps) if (!seen.has(formatPrefix(p))) seen.set(formatPrefix(p), p);
  }
  return [...seen.values()].map((p, i) => ({ p, i })).sort((a, b) => b.p.cidr - a.p.cidr || a.i - b.i).map((x) => x.p);
}

export async function addRoute(ctx: StepContext, prefix: Prefix, table: PlugConfig["iface"]["table"]): Promise<void> {
  if (table === "off") return;
  const family = familyFlag(prefix.family);
  const text = formatPrefix(prefix);
  if (table !== undefined && table !== "auto") {
    await ip(ctx, [family, "route", "add", text, "dev", ctx.ifname, "table", String(table)]);
    ctx.state.routes.push({ family, prefix: text, table: String(table) });
    return;
  }
  if (prefix.cidr === 0) {
    await addDefaultRoute(ctx, prefix);
    return;
  }
  // The interface's own address may already give a covering connected route.
  const existing = await query(ctx, "ip", [family, "route", "show", "dev", ctx.ifname, "match", text]);
  if (existing.trim() !== "") return;
  await ip(ctx, [family, "route", "add", text, "dev", ctx.ifname]);
  ctx.state.routes.push({ family, prefix: text });
}
