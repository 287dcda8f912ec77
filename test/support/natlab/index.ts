// NAT lab for the end-to-end coordination tests (issue 5): an "internet" namespace with coordd on
// two public addresses, site routers of every NAT kind (optionally with miniupnpd), hosts that
// share a site's LAN and roam between sites, captures, and teardown of everything. test/README.md
// ("The NAT lab") documents the topology, the NAT constructions and the API.
//
//   const lab = await NatLab.create();                  // coordd up; lab.coordinator → host, ports, key, wsUrl
//   const home = await lab.addSite("home", { nat: "eim", upnp: true });
//   const cafe = await lab.addSite("cafe", { nat: "edm" });
//   const a = await home.addHost("a");                  // a.ns, a.address, a.site
//   await a.moveTo(cafe);                               // roam
//   const agent = lab.agent(a);                         // UDP sockets, STUN, RFC 5780 in a's namespace
//   const cap = await lab.capture();                    // everything coordd sees; (await cap.stop()).bytes
//   await lab.restartCoordinator();
//   await lab.close();                                  // also on exit / SIGINT / SIGTERM
export { NatLab, NATLAB_TOOLS, type NatLabOptions } from "./nat-lab.js";
export { Site, type SiteOptions } from "./site.js";
export { Host, type HostLink } from "./host.js";
export { NAT_KINDS, type NatKind, routerRules, NFT_TABLE, FULLCONE_MAP, FULLCONE_TIMEOUT_S } from "./router-rules.js";
export { COORD_PRIMARY, COORD_ALTERNATE, siteAddressing, type SiteAddressing } from "./addressing.js";
export { type CoordinatorInfo, type CoordinatorPorts, COORDD_BIN, coordinatorConfigLines } from "./coordinator.js";
export { Capture, type CaptureResult, type CaptureOptions } from "./capture.js";
export { NsAgent, AgentError, type StunServer, type BindingRequest } from "./agent/ns-agent.js";
export type { AgentBinding, AgentDatagram, AgentEndpoint } from "./agent/protocol.js";
export { parseStunClientVerdict, type StunClientVerdict } from "./stun-verdict.js";
