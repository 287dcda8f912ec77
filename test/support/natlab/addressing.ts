// The lab's address plan, in one place so tests and the lab agree on it.
//
// The "internet" is one bridge in the internet namespace. coordd owns the first address of each
// TEST-NET range (203.0.113.1 primary, 198.51.100.1 alternate, for RFC 5780 change-IP), every site
// router sits on the bridge at 203.0.113.(10+i). Behind a NAT a site's LAN is 192.168.i.0/24, a
// realistic home network; a site without NAT gets the routed public subnet 198.51.100.16i/28, so its
// hosts hold public addresses and the internet namespace routes that subnet to the site's router.
//
// IPv6 (a site option): the internet bridge is 2001:db8::/64 (the documentation prefix, IPv6's
// TEST-NET) with the internet namespace at ::1 and router i at ::(10+i); site i's LAN is the routed
// 2001:db8:i::/64, router ::1, hosts ::(10+k). IPv6 is never translated, only filtered.

export const COORD_PRIMARY = "203.0.113.1";
export const COORD_ALTERNATE = "198.51.100.1";
export const INTERNET_PREFIX_LEN = 24;
export const INTERNET6_GATEWAY = "2001:db8::1";
export const INTERNET6_PREFIX_LEN = 64;

/** Site numbers start at 1; the /28 plan for public LANs leaves room for 15 sites. */
export const MAX_SITES = 15;

export interface SiteAddressing {
  /** The router's public address on the internet bridge. */
  readonly wan: string;
  /** The router's address on the site's LAN: the hosts' default gateway. */
  readonly gateway: string;
  /** The LAN in CIDR form. */
  readonly lanCidr: string;
  readonly lanPrefixLen: number;
  /** Whether LAN addresses are public (routed from the internet namespace, no NAT). */
  readonly publicLan: boolean;
  /** How many host addresses the LAN can hand out. */
  readonly hostCapacity: number;
  /** The LAN address of the k-th host to join (k from 0). */
  hostAddress(k: number): string;
  /** IPv6 counterparts, used when the site has `ipv6: true`. */
  readonly wan6: string;
  readonly gateway6: string;
  readonly lan6Cidr: string;
  hostAddress6(k: number): string;
}

export function siteAddressing(index: number, publicLan: boolean): SiteAddressing {
  if (!Number.isInteger(index) || index < 1 || index > MAX_SITES) throw new Error(`natlab: site number ${index} outside 1..${MAX_SITES}`);
  const wan = `203.0.113.${10 + index}`;
  const v6 = {
    wan6: `2001:db8::${10 + index}`,
    gateway6: `2001:db8:${index}::1`,
    lan6Cidr: `2001:db8:${index}::/64`,
    hostAddress6: (k: number) => checked(k, 200, `2001:db8:${index}::${10 + k}`),
  };
  if (publicLan) {
    const base = 16 * index;
    return {
      ...v6,
      wan,
      gateway: `198.51.100.${base + 1}`,
      lanCidr: `198.51.100.${base}/28`,
      lanPrefixLen: 28,
      publicLan: true,
      hostCapacity: 13,
      hostAddress: (k) => checked(k, 13, `198.51.100.${base + 2 + k}`),
    };
  }
  return {
    ...v6,
    wan,
    gateway: `192.168.${index}.1`,
    lanCidr: `192.168.${index}.0/24`,
    lanPrefixLen: 24,
    publicLan: false,
    hostCapacity: 200,
    hostAddress: (k) => checked(k, 200, `192.168.${index}.${10 + k}`),
  };
}

function checked(k: number, capacity: number, address: string): string {
  if (k < 0 || k >= capacity) throw new Error(`natlab: a site LAN holds at most ${capacity} hosts`);
  return address;
}
