// The addresses this host can be reached at without coordd's help, from the
// kernel's interface list: LAN addresses (private IPv4, IPv6 ULA), public
// IPv4 on an interface (a host without NAT) and global IPv6.
// The tunnel's own interface is left out (a candidate inside the tunnel would
// route the tunnel through itself), and so are loopback and link-local
// addresses (scoped, useless to a peer elsewhere).
import { networkInterfaces, type NetworkInterfaceInfo } from "node:os";
import { CandidateKind, type Candidate } from "@plug/protocol";

export type InterfaceList = NodeJS.Dict<NetworkInterfaceInfo[]>;

/** RFC 1918, CGNAT (RFC 6598) and link-local: addresses only a LAN (or a carrier) can route to. */
function isPrivateV4(a: string): boolean {
  const [x = 0, y = 0] = a.split(".").map(Number);
  return x === 10 || (x === 172 && y >= 16 && y <= 31) || (x === 192 && y === 168) || (x === 100 && y >= 64 && y <= 127);
}

function isGlobalV6(a: string): boolean {
  const first = parseInt(a.split(":")[0] ?? "0", 16);
  return first >= 0x2000 && first <= 0x3fff;
}

function isUlaV6(a: string): boolean {
  const first = parseInt(a.split(":")[0] ?? "0", 16);
  return (first & 0xfe00) === 0xfc00;
}

/** At most `max` candidates, IPv4 LAN first (the most likely same-LAN path). */
export function localCandidates(port: number, excludeIfname: string, max: number, list: InterfaceList = networkInterfaces()): Candidate[] {
  const v4: Candidate[] = [];
  const v6: Candidate[] = [];
  for (const [name, infos] of Object.entries(list)) {
    if (name === excludeIfname || infos === undefined) continue;
    for (const info of infos) {
      if (info.internal) continue;
      if (info.family === "IPv4") {
        if (info.address.startsWith("169.254.")) continue;
        // A public address on an interface is the host's own public endpoint (no NAT), not a LAN path.
        const kind = isPrivateV4(info.address) ? CandidateKind.Lan : CandidateKind.Public;
        v4.push({ kind, endpoint: { family: 4, address: info.address, port } });
      } else if (isGlobalV6(info.address)) {
        v6.push({ kind: CandidateKind.Ipv6, endpoint: { family: 6, address: info.address, port } });
      } else if (isUlaV6(info.address)) {
        v6.push({ kind: CandidateKind.Lan, endpoint: { family: 6, address: info.address, port } });
      }
    }
  }
  // IPv4 first (the likeliest same-LAN path), but a host with many IPv4
  // interfaces (container bridges) must not crowd out its IPv6 addresses.
  const v6Share = Math.min(v6.length, Math.floor(max / 4));
  return [...v4.slice(0, max - v6Share), ...v6].slice(0, max);
}

/** A fingerprint of the interface addresses, to tell a real change from netlink noise. */
export function addressFingerprint(excludeIfname: string, list: InterfaceList = networkInterfaces()): string {
  return localCandidates(0, excludeIfname, 64, list)
    .map((c) => c.endpoint.address)
    .sort()
    .join(",");
}
