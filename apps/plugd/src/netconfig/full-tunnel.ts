// A /0 allowed IP with Table=auto (wg-quick add_default): route everything
// through the tunnel except the tunnel's own encrypted packets. The device
// marks its UDP packets with fwmark T; policy rules send unmarked traffic to
// table T (which holds the /0 via the interface) while `suppress_prefixlength 0`
// lets more specific main-table routes (the LAN, the endpoint) win. nftables
// rules then drop spoofed packets aimed at our tunnel addresses and carry the
// mark through conntrack so replies to marked packets stay outside the tunnel.
import { formatPrefix, type Prefix } from "@plug/wireguard";
import { familyFlag, ip, query, type StepContext } from "./context.js";
import { addFirewall } from "./firewall.js";

/** wg-quick's first choice of table / fwmark; the next free table is used when it is taken. */
export const DEFAULT_FULL_TUNNEL_TABLE = 51820;

async function tableInUse(ctx: StepContext, table: number): Promise<boolean> {
  for (const family of ["-4", "-6"]) {
    if ((await query(ctx, "ip", [family, "route", "show", "table", String(table)])).trim() !== "") return true;
  }
  return false;
}

async function chooseMark(ctx: StepContext): Promise<number> {
  const current = ctx.fwmark.get();
  if (current !== 0) return current;
  let table = DEFAULT_FULL_TUNNEL_TABLE;
  while (await tableInUse(ctx, table)) table++;
  ctx.log.info(`[#] set fwmark ${table} on ${ctx.ifname}`);
  ctx.fwmark.set(table);
  return table;
}

export async function addDefaultRoute(ctx: StepContext, prefix: Prefix): Promise<void> {
  const mark = await chooseMark(ctx);
  ctx.state.mark = mark;
  const family = familyFlag(prefix.family);
  const table = String(mark);
  await ip(ctx, [family, "route", "add", formatPrefix(prefix), "dev", ctx.ifname, "table", table]);
  ctx.state.routes.push({ family, prefix: formatPrefix(prefix), table });
  for (const selector of [["not", "fwmark", table, "table", table], ["table", "main", "suppress_prefixlength", "0"]]) {
    await ip(ctx, [family, "rule", "add", ...selector]);
    ctx.state.rules.push({ family, selector });
  }

  const listed = await query(ctx, "ip", ["-o", family, "address", "show", "dev", ctx.ifname]);
  const addresses = [...listed.matchAll(/\binet6? ([0-9a-f:.]+)\/[0-9]+/g)].map((m) => m[1] ?? "");
  if (prefix.family === 4) {
    ctx.log.info("[#] sysctl -q net.ipv4.conf.all.src_valid_mark=1");
    await ctx.run("sysctl", ["-q", "net.ipv4.conf.all.src_valid_mark=1"]);
  }
  await addFirewall(ctx, prefix.family, addresses, mark, ctx.firewall);
}
