// SOAP envelopes for the WANIPConnection actions and their answers.
import { child, descendants, escapeXml, parseXml } from "./xml.js";

export const upnpErrorNames: Readonly<Record<number, string>> = {
  401: "InvalidAction",
  402: "InvalidArgs",
  501: "ActionFailed",
  606: "ActionNotAuthorized",
  714: "NoSuchEntryInArray",
  715: "WildCardNotPermittedInSrcIP",
  716: "WildCardNotPermittedInExtPort",
  718: "ConflictInMappingEntry",
  724: "SamePortValuesRequired",
  725: "OnlyPermanentLeasesSupported",
  726: "RemoteHostOnlySupportsWildcard",
  727: "ExternalPortOnlySupportsWildcard",
  728: "NoPortMapsAvailable",
  729: "ConflictWithOtherMechanisms",
  732: "WildCardNotPermittedInIntPort",
};

export const UpnpErrorCode = {
  InvalidAction: 401,
  NoSuchEntryInArray: 714,
  ConflictInMappingEntry: 718,
  OnlyPermanentLeasesSupported: 725,
} as const;

export type SoapArgs = readonly (readonly [string, string | number])[];

export function encodeSoapRequest(serviceType: string, action: string, args: SoapArgs): string {
  const body = args.map(([k, v]) => `<${k}>${escapeXml(String(v))}</${k}>`).join("");
  return (
    '<?xml version="1.0"?>\r\n' +
    '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" s:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/">' +
    `<s:Body><u:${action} xmlns:u="${escapeXml(serviceType)}">${body}</u:${action}></s:Body></s:Envelope>\r\n`
  );
}

export function soapActionHeader(serviceType: string, action: string): string {
  return `"${serviceType}#${action}"`;
}

/** Output arguments of `<u:ActionResponse>`; undefined if the envelope has none. */
export function parseSoapResponse(xml: string, action: string): Record<string, string> | undefined {
  const root = parseXml(xml);
  const body = child(root, "Body");
  const resp = body && child(body, `${action}Response`);
  if (resp === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const c of resp.children) out[c.name] = c.text.trim();
  return out;
}

export interface UpnpFault {
  readonly code: number;
  readonly description: string;
}

/** The UPnPError inside a SOAP fault; undefined when the body is not one. */
export function parseSoapFault(xml: string): UpnpFault | undefined {
  const root = parseXml(xml);
  const err = descendants(root, "UPnPError")[0];
  if (err === undefined) return undefined;
  const code = Number(child(err, "errorCode")?.text.trim());
  if (!Number.isInteger(code)) return undefined;
  return { code, description: child(err, "errorDescription")?.text.trim() ?? "" };
}
