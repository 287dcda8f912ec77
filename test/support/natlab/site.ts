// A site: one router namespace (NAT of some kind, optionally miniupnpd) with a LAN bridge that its
// hosts join. Hosts are created through the site (addHost) and may later roam to another site.
import type { Daemon, Netns } from "../netns.js";
import type { SiteAddressing } from "./addressing.js";
import type { Host } from "./host.js";
import { NFT_TABLE, type NatKind } from "./router-rules.js";

export interface SiteOptions {
  readonly nat: NatKind;
  /** Run miniupnpd (UPnP IGD, NAT-PMP, PCP) on the router; needs a NAT kind other than "none". */
  readonly upnp?: boolean;
  /** The router hairpins: a LAN host reaches another through its public mapping (eim, fullcone). */
  readonly hairpin?: boolean;
  /** Routed IPv6 too (2001:db8:i::/64 on the LAN), behind the router's stateful filter. */
  readonly ipv6?: boolean;
}

/** What a site needs from the lab that owns it. */
export interface SiteOwner {
  addHost(name: string, site: Site): Promise<Host>;
  hostsOn(site: Site): Host[];
}

export class Site {
  private nextHost = 0;

  constructor(
    private readonly owner: SiteOwner,
    readonly name: string,
    /** 1-based site number: it picks the addresses (addressing.ts) and interface names. */
    readonly index: number,
    readonly nat: NatKind,
    readonly routerNs: Netns,
    readonly addressing: SiteAddressing,
    /** Interface names inside the router namespace. */
    readonly wanIf: string,
    readonly lanIf: string,
    readonly hairpin: boolean,
    readonly ipv6: boolean,
    /** The nftables ruleset loaded on the router (router-rules.ts). */
    readonly ruleset: string,
    readonly miniupnpd: Daemon | undefined,
  ) {}

  /** The router's address on the internet: what NATed hosts' mappings show. */
  get publicAddress(): string {
    return this.addressing.wan;
  }

  /** The hosts' default gateway on the LAN (also where miniupnpd listens). */
  get gateway(): string {
    return this.addressing.gateway;
  }

  /** Hosts currently on this site's LAN. */
  get hosts(): Host[] {
    return this.owner.hostsOn(this);
  }

  /** A new host namespace whose first LAN is this site's. */
  addHost(name: string): Promise<Host> {
    return this.owner.addHost(name, this);
  }

  /** The next free host number on this LAN (a host keeps its number here if it roams away and back). */
  allocateHostNumber(): number {
    const k = this.nextHost++;
    this.addressing.hostAddress(k); // throws when the LAN is full
    return k;
  }

  /** The router's live nftables table, miniupnpd's additions included. */
  async rules(): Promise<string> {
    return (await this.routerNs.exec("nft", ["list", "table", "inet", NFT_TABLE])).stdout;
  }
}
