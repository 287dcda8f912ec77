/**
 * @plug/nat — NAT traversal groundwork: STUN, NAT behaviour discovery, and
 * port mapping (PCP, NAT-PMP, UPnP IGD). Nothing here opens the WireGuard
 * socket: STUN runs over whatever send function the caller gives it.
 *
 * STUN on plugd's shared UDP socket
 *   const stun = new StunClient({ send: (bytes, to) => sock.send(bytes, to.port, to.address) });
 *   on every datagram: if (looksLikeStun(pkt)) stun.receive(pkt, from);   // cookie 0x2112A442, top bits 00
 *   const { mapped } = await stun.binding(server);                          // RFC 5389 schedule; StunTimeoutError
 *   const nat = await discoverNatBehavior((s, o) => stun.binding(s, o), server, { local });
 *     // nat.mapping / nat.filtering: "endpoint-independent" | "address-dependent" | "address-and-port-dependent"
 *
 * Port mapping (one call does it all)
 *   const mapper = new PortMapper({ request: { protocol: "udp", internalPort: 51820, lifetimeSeconds: 7200 },
 *                                   onEvent: (e) => ... });  // "mapped" | "lost" | "failed" (| "deleted")
 *   const mapping = await mapper.start();  // PortMapping | undefined; gateway from /proc/net/route
 *   mapper.renewNow();                      // after a network change
 *   await mapper.stop();                    // deletes the mapping at the router
 *   Renewal at half-life, re-creation after gateway reboots and a new probe after total failure run inside.
 *
 * Single methods (MappingKeeper: start / renewNow / stop / release / current)
 *   new PmpPcpClient({ gateway, request, protocols?: ["pcp", "nat-pmp"] })   // PCP first, NAT-PMP fallback;
     // also listens on 224.0.0.1:5350 for the gateway's restart announcements (announcements: false to opt out)
 *   new UpnpClient({ request, discovery: { gateway } })                      // SSDP, IGDv2 then v1
 *   Errors: PortMappingError { method, code, codeName, retryAfterSeconds? }, UpnpError, PortMappingTimeoutError.
 *
 * STUN server side (coordd, through the "@plug/nat/stun/message" subpath, which loads no I/O module):
 *   decodeBindingRequest (RFC 8489 and RFC 3489 clients, CHANGE-REQUEST), encodeBindingResponse,
 *   encodeBindingErrorResponse.
 *
 * Sans-IO cores, for deterministic tests and other transports: stun/message + StunTransaction,
 * PmpPcpSession (bytes and ms in, SessionOutput[] out, `deadline` for the caller's timer), the
 * NAT-PMP/PCP/SSDP/SOAP codecs, parseXml, parseProcNetRoute/parseProcIpv6Route, retransmit schedules.
 */
export * from "./time/clock.js";
export * from "./time/retransmit.js";
export * from "./stun/message.js";
export * from "./stun/transaction.js";
export * from "./stun/client.js";
export * from "./stun/behavior.js";
export * from "./mapping/types.js";
export * from "./mapping/keeper.js";
export * from "./pmp-pcp/errors.js";
export * from "./pmp-pcp/epoch.js";
export * from "./pmp-pcp/natpmp-codec.js";
export * from "./pmp-pcp/pcp-codec.js";
export * from "./pmp-pcp/session.js";
export * from "./pmp-pcp/client.js";
export * from "./upnp/xml.js";
export * from "./upnp/ssdp.js";
export * from "./upnp/description.js";
export * from "./upnp/soap.js";
export * from "./upnp/http.js";
export * from "./upnp/discovery.js";
export * from "./upnp/client.js";
export * from "./gateway/routes.js";
export * from "./mapper/port-mapper.js";
export * from "./paths/index.js";
