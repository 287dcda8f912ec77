// Finding the WAN connection service in an IGD device description.
import { childText, descendants, parseXml } from "./xml.js";

/** Preference order: IGDv2's service first (it has AddAnyPortMapping), then v1 IP, then PPP. */
export const WAN_SERVICE_TYPES = [
  "urn:schemas-upnp-org:service:WANIPConnection:2",
  "urn:schemas-upnp-org:service:WANIPConnection:1",
  "urn:schemas-upnp-org:service:WANPPPConnection:1",
] as const;

export type WanServiceType = (typeof WAN_SERVICE_TYPES)[number];

export interface WanService {
  readonly serviceType: WanServiceType;
  /** Absolute control URL. */
  readonly controlUrl: string;
}

/** Throws XmlError on malformed XML; undefined when no usable service is described. */
export function findWanService(descriptionXml: string, descriptionUrl: string): WanService | undefined {
  const root = parseXml(descriptionXml);
  if (root.name !== "root") return undefined;
  const base = childText(root, "URLBase") || descriptionUrl;
  const found = new Map<string, string>();
  for (const service of descendants(root, "service")) {
    const type = childText(service, "serviceType");
    const control = childText(service, "controlURL");
    if (type === undefined || control === undefined || found.has(type)) continue;
    found.set(type, control);
  }
  for (const serviceType of WAN_SERVICE_TYPES) {
    const control = found.get(serviceType);
    if (control === undefined) continue;
    let url: URL;
    try {
      url = new URL(control, base);
    } catch {
      continue;
    }
    // A control URL on another host would let a LAN device aim our SOAP at anything.
    if (url.protocol !== "http:" || url.host !== new URL(descriptionUrl).host) continue;
    return { serviceType, controlUrl: url.toString() };
  }
  return undefined;
}
