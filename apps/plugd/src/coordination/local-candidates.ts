// The addresses this host can be reached at without coordd's help, from the
// kernel's interface list: LAN addresses (IPv4 and IPv6 ULA) and global IPv6.
// The tunnel's own interface is left out (a candidate inside the tunnel would
// route the tunnel through itself), and so are loopback and link-local
// addresses (scoped, useless to a peer elsewhere).
import { networkInterfaces, type NetworkInterfaceInfo } from "node:os";
import { CandidateKind, type Candidate } from "@plug/protocol";

export type InterfaceList = NodeJS.Dict<NetworkInterfaceInfo[]>;

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
        v4.push({ kind: CandidateKind.Lan, endpoint: { family: 4, address: info.address, port } });
      } else if (isGlobalV6(info.address)) {
        v6.push({ kind: CandidateKind.Ipv6, endpoint: { family: 6, address: info.address, port } });
      } else if (isUlaV6(info.address)) {
        v6.push({ kind: CandidateKind.Lan, endpoint: { family: 6, address: info.address, port } });
      }
    }
  }
  return [...v4, ...v6].slice(0, max);
}

/** A fingerprint of the interface addresses, to tell a real change from netlink noise. */
export function addressFingerprint(excludeIfname: string, list: InterfaceList = networkInterfaces()): string {
  return localCandidates(0, excludeIfname, 64, list)
    .map((c) => c.endpoint.address)
    .sort()
    .join(",");
}
