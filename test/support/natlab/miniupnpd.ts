// The real miniupnpd (Debian's nftables build: UPnP IGD, NAT-PMP and PCP) on a site router.
// It does not create its nftables chains (router-rules.ts does, in the router's table) and it
// refuses to map while its external address is "reserved" TEST-NET unless it learns the public
// address by STUN (DESIGN.md lab facts): it asks the lab's coordd.
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Daemon, type Lab, type Netns, waitFor } from "../netns.js";
import { MINIUPNPD_CHAINS, NFT_TABLE } from "./router-rules.js";

export interface MiniupnpdOptions {
  readonly wanIf: string;
  readonly lanIf: string;
  readonly lanCidr: string;
  readonly stunHost: string;
  readonly stunPort: number;
  /** Files go here (the lab directory). */
  readonly dir: string;
  readonly tag: string;
}

export function miniupnpdConfig(o: MiniupnpdOptions): string {
  return [
    `ext_ifname=${o.wanIf}`,
    `listening_ip=${o.lanIf}`,
    "http_port=0",
    "enable_natpmp=yes",
    "enable_upnp=yes",
    "ext_perform_stun=yes",
    `ext_stun_host=${o.stunHost}`,
    `ext_stun_port=${o.stunPort}`,
    `upnp_table_name=${NFT_TABLE}`,
    `upnp_nat_table_name=${NFT_TABLE}`,
    `upnp_forward_chain=${MINIUPNPD_CHAINS.forward}`,
    `upnp_nat_chain=${MINIUPNPD_CHAINS.nat}`,
    `upnp_nat_postrouting_chain=${MINIUPNPD_CHAINS.postrouting}`,
    "secure_mode=yes",
    // An epoch that restarts with the daemon, as RFC 6886/6887 clients expect after a reboot.
    "system_uptime=no",
    "min_lifetime=10",
    "max_lifetime=86400",
    `uuid=${uuid()}`,
    `allow 1024-65535 ${o.lanCidr} 1024-65535`,
    "deny 0-65535 0.0.0.0/0 0-65535",
    "",
  ].join("\n");
}

export async function startMiniupnpd(lab: Lab, router: Netns, o: MiniupnpdOptions): Promise<Daemon> {
  const conf = join(o.dir, `miniupnpd-${o.tag}.conf`);
  writeFileSync(conf, miniupnpdConfig(o));
  const d = lab.spawn(router, "miniupnpd", ["-d", "-f", conf, "-P", join(o.dir, `miniupnpd-${o.tag}.pid`)]);
  await waitFor(
    "miniupnpd ready (HTTP and NAT-PMP/PCP listening)",
    async () => {
      if (!d.running) throw new Error(`miniupnpd exited (${String(await d.exited)}):\n${d.output}`);
      return /Listening for NAT-PMP\/PCP/.test(d.output) && /HTTP listening on port/.test(d.output) ? true : undefined;
    },
    15_000,
  );
  return d;
}

function uuid(): string {
  const h = randomBytes(16).toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
