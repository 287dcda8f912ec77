// [Peer] keys, exactly wg's set (TOOLS src/config.c).
import { keyTable } from "./key-spec.js";
import type { PeerConfig } from "./types.js";
import { parseAllowedIp, parseHostPort, parseKeepalive, parseKey, splitList } from "./values.js";

/** A peer while its section is being read: PublicKey may not have been seen yet. */
export type PeerDraft = Omit<PeerConfig, "publicKey"> & { publicKey?: Uint8Array };

export const peerKeys = keyTable<PeerDraft>(
  { name: "PublicKey", repeatable: false, value: "compact", apply: (v, t) => void (t.publicKey = parseKey(v)) },
  { name: "PresharedKey", repeatable: false, value: "compact", apply: (v, t) => void (t.presharedKey = parseKey(v)) },
  {
    name: "AllowedIPs",
    repeatable: true,
    value: "compact",
    apply(v, t) {
      for (const item of splitList(v)) t.allowedIps.push(parseAllowedIp(item));
    },
  },
  { name: "Endpoint", repeatable: false, value: "compact", apply: (v, t) => void (t.endpoint = parseHostPort(v)) },
  {
    name: "PersistentKeepalive",
    repeatable: false,
    value: "compact",
    apply: (v, t) => void (t.persistentKeepalive = parseKeepalive(v)),
  },
);
