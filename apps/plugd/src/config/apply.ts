// Applying a parsed config to a device with `wg setconf` semantics: the file
// is the whole truth. Private key, listen port (0 = random) and fwmark are
// always set, all peers are replaced, and each peer's allowed IPs are exactly
// the file's. Host names are resolved before anything changes, so a name
// that does not resolve leaves the running device untouched.
import type { DeviceControl, Endpoint } from "@plug/wireguard";
import { ConfigError } from "./error.js";
import { ResolveError, resolveHostPort, systemResolver, type ResolveOptions, type Resolver } from "./resolve.js";
import type { PlugConfig } from "./types.js";

export async function applyConfig(
  control: DeviceControl,
  cfg: PlugConfig,
  resolve: Resolver = systemResolver,
  options: ResolveOptions = {},
): Promise<void> {
  const endpoints = await Promise.all(
    cfg.peers.map(async (peer): Promise<Endpoint | null> => {
      if (peer.endpoint === undefined) return null;
      try {
        return await resolveHostPort(peer.endpoint, resolve, options);
      } catch (err) {
        if (err instanceof ResolveError) throw new ConfigError(cfg.path, peer.line, `Endpoint ${err.message}`, "Endpoint");
        throw err;
      }
    }),
  );

  const { iface } = cfg;
  control.setPrivateKey(iface.privateKey ?? null);
  await control.setListenPort(iface.listenPort ?? 0);
  control.setFwmark(iface.fwmark ?? 0);
  control.removeAllPeers();
  cfg.peers.forEach((peer, i) => {
    // Our own public key: the device ignores the section, as KERNEL and WG-GO do.
    if (!control.ensurePeer(peer.publicKey)) return;
    control.setPeerPresharedKey(peer.publicKey, peer.presharedKey ?? null);
    const endpoint = endpoints[i];
    if (endpoint) control.setPeerEndpoint(peer.publicKey, endpoint);
    if (peer.persistentKeepalive !== undefined) control.setPeerPersistentKeepalive(peer.publicKey, peer.persistentKeepalive);
    control.clearPeerAllowedIps(peer.publicKey);
    for (const prefix of peer.allowedIps) control.addPeerAllowedIp(peer.publicKey, prefix);
  });
}
