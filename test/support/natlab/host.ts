// A host namespace. It has one veth per site it has ever joined (the router end is a port of
// that site's LAN bridge); exactly one is up and addressed at a time. Roaming = take the old link
// down (its address and routes go with it, as when Wi-Fi drops), bring the other up with that
// site's address and a default route via its router. The links are created on first use and kept,
// so moving back is as quick as moving away, and the host keeps one address per site.
import { type Netns, run } from "../netns.js";
import type { Site } from "./site.js";

export interface HostLink {
  readonly ifname: string;
  readonly address: string;
  /** Present when the site routes IPv6. */
  readonly address6: string | undefined;
}

/** Creates the host's veth into a site's LAN (the lab owns names and bridges). */
export type AttachFn = (host: Host, site: Site) => Promise<string>;

export class Host {
  private readonly links = new Map<Site, HostLink>();
  private current: Site | undefined;

  constructor(
    readonly name: string,
    /** 1-based host number: it picks interface names. */
    readonly index: number,
    readonly ns: Netns,
    private readonly attach: AttachFn,
  ) {}

  /** The site whose LAN the host is on now. */
  get site(): Site {
    if (this.current === undefined) throw new Error(`natlab: host ${this.name} has not joined a site`);
    return this.current;
  }

  /** The current site, or undefined while the host is being created or is offline. */
  get siteIfJoined(): Site | undefined {
    return this.current;
  }

  /** The host's address on its current LAN (public on a "none" site). */
  get address(): string {
    return this.link(this.site).address;
  }

  /** The host's global IPv6 address on its current LAN, if that site routes IPv6. */
  get address6(): string | undefined {
    return this.link(this.site).address6;
  }

  /** The host's interface on its current LAN. */
  get iface(): string {
    return this.link(this.site).ifname;
  }

  /** Every link the host has, by site name (down ones included). */
  get allLinks(): ReadonlyMap<string, HostLink> {
    return new Map([...this.links].map(([s, l]) => [s.name, l]));
  }

  private link(site: Site): HostLink {
    const l = this.links.get(site);
    if (l === undefined) throw new Error(`natlab: host ${this.name} has no link to site ${site.name}`);
    return l;
  }

  /** Loses its network (the current link goes down with its addresses and routes); moveTo reconnects. */
  async offline(): Promise<void> {
    const prev = this.current === undefined ? undefined : this.links.get(this.current);
    if (prev === undefined) return;
    await run("ip", ["-n", this.ns.name, "-batch", "-"], { input: `addr flush dev ${prev.ifname}\nlink set ${prev.ifname} down\n` });
    this.current = undefined;
  }

  /** Roams onto `site`'s LAN: old link down, new link up, addressed, default route via its router. */
  async moveTo(site: Site): Promise<void> {
    if (site === this.current) return;
    let next = this.links.get(site);
    if (next === undefined) {
      const ifname = await this.attach(this, site);
      const k = site.allocateHostNumber();
      next = { ifname, address: site.addressing.hostAddress(k), address6: site.ipv6 ? site.addressing.hostAddress6(k) : undefined };
      this.links.set(site, next);
      await this.ns.ip(["link", "set", ifname, "down"]);
    }
    const prev = this.current === undefined ? undefined : this.links.get(this.current);
    // One `ip -batch` so the switch is as close to instantaneous as a real link change.
    const lines = [
      ...(prev === undefined ? [] : [`addr flush dev ${prev.ifname}`, `link set ${prev.ifname} down`]),
      `link set ${next.ifname} up`,
      `addr add ${next.address}/${site.addressing.lanPrefixLen} dev ${next.ifname}`,
      `route replace default via ${site.gateway} dev ${next.ifname}`,
      // nodad: usable at once, as a roaming host's address must be.
      ...(next.address6 === undefined ? [] : [`addr add ${next.address6}/64 dev ${next.ifname} nodad`, `route replace default via ${site.addressing.gateway6} dev ${next.ifname}`]),
    ];
    await run("ip", ["-n", this.ns.name, "-batch", "-"], { input: lines.join("\n") + "\n" });
    this.current = site;
  }
}
