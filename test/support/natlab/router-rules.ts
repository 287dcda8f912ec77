// The nftables ruleset of a site router, one table per router namespace. Pure text, so the rules
// a test ran under can be printed next to its failure.
//
// Every router: forwarding is default-deny except what the LAN starts and its replies; unsolicited
// WAN input to the router itself is dropped (DESIGN.md lab facts: a stray early peer packet
// accepted by the router leaves a conntrack entry that pushes the LAN host's later mapping onto
// another port). The NAT kinds differ only in these lines:
//
//   none         routed public LAN: no NAT, and forwarding is open in both directions.
//   eim          `masquerade`: endpoint-independent mapping that keeps the port when free,
//                address-and-port-dependent filtering (conntrack).
//   edm          `masquerade fully-random`: a new random port per destination (symmetric NAT).
//   fullcone     `masquerade` plus learned DNAT: after source NAT, a filter hook at srcnat+10
//                records external port → (internal address, internal port) from conntrack's
//                original tuple into a timed dynamic map; a prerouting DNAT rule sends any WAN UDP
//                datagram for a recorded port to its owner, and forwarding accepts what that DNAT
//                let in. Result: endpoint-independent mapping AND filtering for UDP.
//   udp-blocked  `masquerade`, but every UDP datagram from the LAN is dropped: only TCP works.
//
// `hairpin` (eim, fullcone) uses the same learned map for datagrams from the LAN to the router's
// public address, and source-NATs them to that public address, so one LAN host reaches another
// through its public mapping as many home routers allow. Linux does neither by default.
//
// IPv6 (sites with `ipv6: true`) is routed, never translated: the same forward rules make every
// router but "none" a stateful firewall for it (what the LAN starts, and replies), as home routers
// are, so IPv6 paths between two such sites need both sides to send first; "udp-blocked" drops
// IPv6 UDP too.
//
// `upnp` adds the empty chains miniupnpd fills (it does not create its own) and jumps to them.
import type { SiteAddressing } from "./addressing.js";

export type NatKind = "none" | "eim" | "edm" | "fullcone" | "udp-blocked";
export const NAT_KINDS: readonly NatKind[] = ["none", "eim", "edm", "fullcone", "udp-blocked"];

export const NFT_TABLE = "natlab";
/** Chains named in miniupnpd's config (upnp_forward_chain, upnp_nat_chain, upnp_nat_postrouting_chain). */
export const MINIUPNPD_CHAINS = { forward: "miniupnpd", nat: "prerouting_miniupnpd", postrouting: "postrouting_miniupnpd" } as const;
/** The learned-mapping map of full-cone and hairpin routers. */
export const FULLCONE_MAP = "fullcone";
/** A learned mapping lives as long as an active UDP conntrack entry (DESIGN.md lab facts). */
export const FULLCONE_TIMEOUT_S = 120;

export interface RouterRuleOptions {
  readonly nat: NatKind;
  readonly upnp: boolean;
  readonly hairpin: boolean;
  /** Interface names inside the router namespace. */
  readonly wanIf: string;
  readonly lanIf: string;
  readonly addressing: SiteAddressing;
}

export function routerRules(o: RouterRuleOptions): string {
  if (o.hairpin && o.nat !== "eim" && o.nat !== "fullcone") throw new Error(`natlab: hairpin is only built for eim and fullcone routers, not ${o.nat}`);
  const wan = JSON.stringify(o.wanIf);
  const lan = JSON.stringify(o.lanIf);
  const learns = o.nat === "fullcone" || o.hairpin;
  const masq = o.nat === "none" ? undefined : o.nat === "edm" ? "masquerade fully-random" : "masquerade";
  const L: string[] = [];
  const add = (cond: boolean, ...lines: string[]): void => void (cond && L.push(...lines));

  L.push(`table inet ${NFT_TABLE} {`);
  add(
    learns,
    `  map ${FULLCONE_MAP} {`,
    "    type inet_service : ipv4_addr . inet_service",
    "    flags dynamic,timeout",
    `    timeout ${FULLCONE_TIMEOUT_S}s`,
    "  }",
  );
  L.push(
    "  chain input {",
    "    type filter hook input priority filter; policy accept;",
    `    iifname ${wan} ct state established,related accept`,
    // Only to ports where the router has a socket: miniupnpd's STUN probes, whose CHANGE-REQUEST
    // answers come from coordd's other address and port and are not "established".
    `    iifname ${wan} meta l4proto udp socket transparent 0 accept`,
    // Neighbour discovery: without it an IPv6 site has no WAN link at all.
    `    iifname ${wan} meta l4proto ipv6-icmp accept`,
    `    iifname ${wan} drop`,
    "  }",
    "  chain forward {",
    "    type filter hook forward priority filter; policy drop;",
  );
  add(o.nat === "udp-blocked", `    iifname ${lan} meta l4proto udp drop`);
  L.push("    ct state established,related accept", `    iifname ${lan} oifname ${wan} accept`);
  add(o.nat === "none", `    iifname ${wan} oifname ${lan} accept`);
  add(o.nat === "fullcone", `    iifname ${wan} oifname ${lan} ct status dnat accept`);
  add(o.hairpin, `    iifname ${lan} oifname ${lan} ct status dnat accept`);
  add(o.upnp, `    jump ${MINIUPNPD_CHAINS.forward}`);
  L.push("  }");
  add(o.upnp, `  chain ${MINIUPNPD_CHAINS.forward} {`, "  }", `  chain ${MINIUPNPD_CHAINS.nat} {`, "  }", `  chain ${MINIUPNPD_CHAINS.postrouting} {`, "  }");
  L.push("  chain prerouting {", "    type nat hook prerouting priority dstnat; policy accept;");
  add(o.upnp, `    jump ${MINIUPNPD_CHAINS.nat}`);
  add(o.nat === "fullcone", `    iifname ${wan} meta l4proto udp dnat ip to udp dport map @${FULLCONE_MAP}`);
  add(o.hairpin, `    iifname ${lan} ip daddr ${o.addressing.wan} meta l4proto udp dnat ip to udp dport map @${FULLCONE_MAP}`);
  L.push("  }", "  chain postrouting {", "    type nat hook postrouting priority srcnat; policy accept;");
  add(o.upnp, `    jump ${MINIUPNPD_CHAINS.postrouting}`);
  // Postrouting knows no input interface: LAN traffic is told apart by its source address, so the
  // router's own datagrams (miniupnpd's STUN) leave from its own address and ports, unmapped.
  const lanNet = o.addressing.lanCidr;
  add(o.hairpin, `    ip saddr ${lanNet} ip daddr ${lanNet} ct status dnat snat ip to ${o.addressing.wan}`);
  add(masq !== undefined, `    oifname ${wan} ip saddr ${lanNet} ${masq ?? ""}`);
  L.push("  }");
  // After srcnat the datagram carries its public source port; conntrack's original tuple still
  // names the LAN owner. Only original-direction packets: a reply's original tuple is the remote.
  add(
    learns,
    "  chain learn {",
    "    type filter hook postrouting priority srcnat + 10; policy accept;",
    `    oifname ${wan} meta l4proto udp ct direction original ct original ip saddr ${lanNet} update @${FULLCONE_MAP} { udp sport : ct original ip saddr . ct original proto-src }`,
    "  }",
  );
  L.push("}", "");
  return L.join("\n");
}
