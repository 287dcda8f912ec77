export * from "./constants.js";
export * from "./demux.js";
export * from "./crypto/primitives.js";
export * from "./crypto/keys.js";
// Endpoints and IP text: @plug/wireguard's address module through its "./net" subpath, which loads only
// node:net (the package root would load the device and @plug/tun, which coordd's image must not need).
export { AddressError, formatIp, normalizeEndpoint, parseIp, writeCanonicalIpv4, type Endpoint, type IpFamily } from "@plug/wireguard/net";
export * from "./keys/labels.js";
export * from "./keys/pair.js";
export * from "./wire/errors.js";
export * from "./wire/reader.js";
export * from "./wire/writer.js";
export * from "./wire/endpoint.js";
export * from "./wire/header.js";
export * from "./sealing/candidates.js";
export * from "./link/cookie.js";
export * from "./link/keys.js";
export * from "./link/messages.js";
export * from "./link/client.js";
export * from "./relay/frame.js";
export * from "./probe/probe.js";
