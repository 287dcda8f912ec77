// [Interface] keys: wg's own (PrivateKey, ListenPort, FwMark), wg-quick's
// (Address, MTU, DNS, Table, hooks, SaveConfig), and the reserved coordination
// keys.
import { coordinationKeys } from "./coordination-keys.js";
import { keyTable, type KeySpec } from "./key-spec.js";
import type { InterfaceConfig } from "./types.js";
import {
  classifyDns,
  parseAddress,
  parseBool,
  parseFwmark,
  parseKey,
  parseMtu,
  parsePort,
  parseTable,
  splitList,
} from "./values.js";

function hook(name: string, pick: (t: InterfaceConfig) => string[]): KeySpec<InterfaceConfig> {
  return {
    name,
    repeatable: true,
    value: "trimmed",
    apply(v, t) {
      pick(t).push(v);
    },
  };
}

export const interfaceKeys = keyTable<InterfaceConfig>(
  { name: "PrivateKey", repeatable: false, value: "compact", apply: (v, t) => void (t.privateKey = parseKey(v)) },
  { name: "ListenPort", repeatable: false, value: "compact", apply: (v, t) => void (t.listenPort = parsePort(v)) },
  { name: "FwMark", repeatable: false, value: "compact", apply: (v, t) => void (t.fwmark = parseFwmark(v)) },
  {
    name: "Address",
    repeatable: true,
    value: "compact",
    apply(v, t) {
      for (const item of splitList(v)) t.addresses.push(parseAddress(item));
    },
  },
  { name: "MTU", repeatable: false, value: "compact", apply: (v, t) => void (t.mtu = parseMtu(v)) },
  {
    name: "DNS",
    repeatable: true,
    value: "compact",
    apply(v, t) {
      for (const item of splitList(v)) {
        const c = classifyDns(item);
        if ("nameserver" in c) t.dns.push(c.nameserver);
        else t.dnsSearch.push(c.search);
      }
    },
  },
  { name: "Table", repeatable: false, value: "compact", apply: (v, t) => void (t.table = parseTable(v)) },
  hook("PreUp", (t) => t.preUp),
  hook("PostUp", (t) => t.postUp),
  hook("PreDown", (t) => t.preDown),
  hook("PostDown", (t) => t.postDown),
  { name: "SaveConfig", repeatable: false, value: "compact", apply: (v, t) => void (t.saveConfig = parseBool(v)) },
  ...coordinationKeys,
);

export function emptyInterface(): InterfaceConfig {
  return { addresses: [], dns: [], dnsSearch: [], preUp: [], postUp: [], preDown: [], postDown: [] };
}
