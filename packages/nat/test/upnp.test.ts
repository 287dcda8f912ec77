// UPnP codecs, and the client against a fake IGD for the faults miniupnpd
// never produces (error 725 OnlyPermanentLeasesSupported, 718 conflicts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import {
  UpnpClient,
  UpnpError,
  XmlError,
  encodeMSearch,
  findWanService,
  parseSoapFault,
  parseSoapResponse,
  parseSsdpResponse,
  parseXml,
  encodeSoapRequest,
} from "../src/index.js";

const description = (controlV2: boolean): string => `<?xml version="1.0"?>
<root xmlns="urn:schemas-upnp-org:device-1-0"><specVersion><major>1</major></specVersion>
<device><deviceType>urn:schemas-upnp-org:device:InternetGatewayDevice:2</deviceType>
<deviceList><device><deviceType>urn:schemas-upnp-org:device:WANDevice:2</deviceType><deviceList><device>
<serviceList>
<service><serviceType>urn:schemas-upnp-org:service:WANPPPConnection:1</serviceType><controlURL>/ctl/PPP</controlURL></service>
${controlV2 ? "<service><serviceType>urn:schemas-upnp-org:service:WANIPConnection:2</serviceType><controlURL>/ctl/IPConn</controlURL></service>" : ""}
<service><serviceType>urn:schemas-upnp-org:service:WANIPConnection:1</serviceType><controlURL>/ctl/IP1?x=1&amp;y=2</controlURL></service>
</serviceList></device></deviceList></device></deviceList></device></root>`;

test("XML reader: namespaces, entities, CDATA; rejects DTDs and broken nesting", () => {
  const doc = parseXml('<?xml version="1.0"?><s:E xmlns:s="x"><!-- c --><a k=\'v&amp;\'>1 &lt; 2 &#x41;<![CDATA[<raw>]]></a><b/></s:E>');
  assert.equal(doc.name, "E");
  assert.equal(doc.children[0]?.text, "1 < 2 A<raw>");
  assert.equal(doc.children[0]?.attributes.k, "v&");
  assert.equal(doc.children[1]?.name, "b");
  for (const bad of ['<!DOCTYPE x [<!ENTITY e "boom">]><x>&e;</x>', "<a><b></a></b>", "<a>", "<a></a><b></b>", "text<a/>", "<a x=1/>", "<a>&#xD800;</a>", "<".repeat(10), "<a>" .repeat(40) + "</a>".repeat(40)]) {
    assert.throws(() => parseXml(bad), XmlError, bad.slice(0, 40));
  }
});

test("device description: WANIPConnection:2 preferred, URLs resolved, foreign hosts refused", () => {
  assert.deepEqual(findWanService(description(true), "http://192.168.1.1:5000/rootDesc.xml"), {
    serviceType: "urn:schemas-upnp-org:service:WANIPConnection:2",
    controlUrl: "http://192.168.1.1:5000/ctl/IPConn",
  });
  assert.equal(findWanService(description(false), "http://192.168.1.1:5000/d.xml")?.controlUrl, "http://192.168.1.1:5000/ctl/IP1?x=1&y=2");
  const evil = description(true).replace("/ctl/IPConn", "http://203.0.113.66/steal").replace("/ctl/IP1?x=1&amp;y=2", "http://203.0.113.66/x").replace("/ctl/PPP", "http://203.0.113.66/y");
  assert.equal(findWanService(evil, "http://192.168.1.1:5000/d.xml"), undefined);
});

test("SSDP: M-SEARCH text and response parsing", () => {
  const m = new TextDecoder().decode(encodeMSearch("urn:schemas-upnp-org:device:InternetGatewayDevice:1"));
  assert.match(m, /^M-SEARCH \* HTTP\/1\.1\r\nHOST: 239\.255\.255\.250:1900\r\nMAN: "ssdp:discover"\r\nMX: 2\r\nST: urn:schemas-upnp-org:device:InternetGatewayDevice:1\r\n\r\n$/);
  const ok = new TextEncoder().encode("HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=120\r\nst: urn:x\r\nLocation: http://192.168.1.1:5000/rootDesc.xml\r\n\r\n");
  assert.equal(parseSsdpResponse(ok)?.location, "http://192.168.1.1:5000/rootDesc.xml");
  assert.equal(parseSsdpResponse(new TextEncoder().encode("NOTIFY * HTTP/1.1\r\nLOCATION: http://x/\r\nST: a\r\n\r\n")), undefined);
  assert.equal(parseSsdpResponse(new TextEncoder().encode("HTTP/1.1 200 OK\r\nLOCATION: file:///etc/passwd\r\nST: a\r\n\r\n")), undefined);
});

test("SOAP: request envelope escapes arguments; responses and faults parse", () => {
  const req = encodeSoapRequest("urn:schemas-upnp-org:service:WANIPConnection:1", "AddPortMapping", [["NewPortMappingDescription", "a<b&c"]]);
  assert.match(req, /<u:AddPortMapping xmlns:u="urn:schemas-upnp-org:service:WANIPConnection:1"><NewPortMappingDescription>a&lt;b&amp;c<\/NewPortMappingDescription><\/u:AddPortMapping>/);
  assert.deepEqual(parseSoapResponse(soapOk("GetExternalIPAddress", "<NewExternalIPAddress>203.0.113.10</NewExternalIPAddress>"), "GetExternalIPAddress"), { NewExternalIPAddress: "203.0.113.10" });
  assert.deepEqual(parseSoapFault(soapFault(725, "OnlyPermanentLeasesSupported")), { code: 725, description: "OnlyPermanentLeasesSupported" });
});

function soapOk(action: string, inner: string): string {
  return `<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><u:${action}Response xmlns:u="urn:x">${inner}</u:${action}Response></s:Body></s:Envelope>`;
}

function soapFault(code: number, desc: string): string {
  return `<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault><faultcode>s:Client</faultcode><faultstring>UPnPError</faultstring><detail><UPnPError xmlns="urn:schemas-upnp-org:control-1-0"><errorCode>${code}</errorCode><errorDescription>${desc}</errorDescription></UPnPError></detail></s:Fault></s:Body></s:Envelope>`;
}

/** A fake IGDv1 control point that only accepts permanent leases and has port 5000 taken. */
async function fakePermanentOnlyIgd(t: { after: (fn: () => void) => void }): Promise<{ url: string; calls: string[] }> {
  const calls: string[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      const action = /#(\w+)"/.exec(String(req.headers.soapaction ?? ""))?.[1] ?? "";
      const lease = /<NewLeaseDuration>(\d+)</.exec(body)?.[1];
      const port = /<NewExternalPort>(\d+)</.exec(body)?.[1];
      calls.push(`${action}${lease !== undefined ? ` lease=${lease}` : ""}${port !== undefined ? ` port=${port}` : ""}`);
      const reply = (status: number, xml: string): void => void res.writeHead(status, { "Content-Type": "text/xml" }).end(xml);
      if (action === "GetExternalIPAddress") return reply(200, soapOk(action, "<NewExternalIPAddress>203.0.113.10</NewExternalIPAddress>"));
      if (action === "AddPortMapping" && port === "5000") return reply(500, soapFault(718, "ConflictInMappingEntry"));
      if (action === "AddPortMapping" && lease !== "0") return reply(500, soapFault(725, "OnlyPermanentLeasesSupported"));
      if (action === "AddPortMapping" || action === "DeletePortMapping") return reply(200, soapOk(action, ""));
      reply(500, soapFault(401, "Invalid Action"));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.after(() => server.close());
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/ctl`, calls };
}

test("UPnP client: 718 moves to another port, 725 retries with lease 0, stop deletes", async (t) => {
  const igd = await fakePermanentOnlyIgd(t);
  const client = new UpnpClient({
    request: { protocol: "udp", internalPort: 5000, lifetimeSeconds: 3600 },
    igd: { serviceType: "urn:schemas-upnp-org:service:WANIPConnection:1", controlUrl: igd.url, location: igd.url, localAddress: "127.0.0.1" },
    randomPort: () => 40001,
  });
  const m = await client.start();
  assert.equal(m.externalPort, 40001);
  assert.equal(m.lifetimeSeconds, 0);
  await client.stop();
  assert.deepEqual(igd.calls, [
    "GetExternalIPAddress",
    "AddPortMapping lease=3600 port=5000",
    "AddPortMapping lease=3600 port=40001",
    "AddPortMapping lease=0 port=40001",
    "DeletePortMapping port=40001",
  ]);
});

test("UPnP errors are typed with their UPnP name", async (t) => {
  const igd = await fakePermanentOnlyIgd(t);
  const client = new UpnpClient({
    request: { protocol: "udp", internalPort: 5000, lifetimeSeconds: 3600 },
    igd: { serviceType: "urn:schemas-upnp-org:service:WANIPConnection:1", controlUrl: igd.url, location: igd.url, localAddress: "127.0.0.1" },
    randomPort: () => 5000,
  });
  await assert.rejects(client.start(), (e: unknown) => e instanceof UpnpError && e.code === 718 && e.codeName === "ConflictInMappingEntry");
});
