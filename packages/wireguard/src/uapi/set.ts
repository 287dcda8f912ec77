// Executes the lines of a UAPI `set` against a DeviceControl, with
// wireguard-go's semantics (device/uapi.go IpcSetOperation): device keys
// first, `public_key` opens a peer section, lines apply one by one and the
// first error stops the request with everything before it still applied.
import { DeviceError, EINVAL, EPROTO, type DeviceControl, type Key } from "../device/control.js";
import { AddressError, parseEndpoint, parsePrefix, type Endpoint, type Prefix } from "../net/address.js";
import { isZeroKey, keyFromHex } from "../crypto/keys.js";
import { peerLabel, type Logger } from "../log/logger.js";
import { invalid, UapiError } from "./status.js";

/** The peer section being configured. `dummy` sections still validate their values but change nothing. */
interface PeerSection {
  readonly key: Key;
  readonly created: boolean;
  dummy: boolean;
}

export async function executeSet(control: DeviceControl, lines: readonly string[], log: Logger): Promise<UapiError | null> {
  let peer: PeerSection | null = null;
  for (const line of lines) {
    const eq = line.indexOf("=");
    if (eq < 0) return new UapiError(`failed to parse line ${JSON.stringify(line.slice(0, 64))}`, EPROTO);
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    try {
      if (key === "public_key") peer = openPeer(control, value, log);
      else if (peer === null) await deviceLine(control, key, value, log);
      else peerLine(control, peer, key, value, log);
    } catch (err) {
      return toUapiError(err);
    }
  }
  return null;
}

function toUapiError(err: unknown): UapiError {
  if (err instanceof UapiError) return err;
  if (err instanceof DeviceError) return new UapiError(err.message, err.errno);
  if (err instanceof AddressError) return new UapiError(err.message, EINVAL);
  // Unknown failures are reported like wireguard-go's IpcErrorUnknown (-55).
  return new UapiError(err instanceof Error ? err.message : String(err), 55);
}

async function deviceLine(control: DeviceControl, key: string, value: string, log: Logger): Promise<void> {
  switch (key) {
    case "private_key": {
      const k = hexKey(value, "private_key");
      log.verbose("UAPI: Updating private key");
      control.setPrivateKey(isZeroKey(k) ? null : k);
      return;
    }
    case "listen_port": {
      const port = unsigned(value, 0xffff, "listen_port");
      log.verbose("UAPI: Updating listen port");
      await control.setListenPort(port);
      return;
    }
    case "fwmark": {
      const mark = unsigned(value, 0xffffffff, "fwmark");
      log.verbose("UAPI: Updating fwmark");
      control.setFwmark(mark);
      return;
    }
    case "replace_peers":
      boolTrue(value, "replace_peers");
      log.verbose("UAPI: Removing all peers");
      control.removeAllPeers();
      return;
    default:
      throw invalid(`invalid UAPI device key: ${key.slice(0, 64)}`);
  }
}

function openPeer(control: DeviceControl, value: string, log: Logger): PeerSection {
  const key = hexKey(value, "public_key");
  const existed = control.hasPeer(key);
  // ensurePeer returns false for our own public key: that section is ignored silently.
  const usable = control.ensurePeer(key);
  if (usable && !existed) log.verbose(`${peerLabel(key)} - UAPI: Created`);
  return { key, created: usable && !existed, dummy: !usable };
}

function peerLine(control: DeviceControl, peer: PeerSection, key: string, value: string, log: Logger): void {
  const label = peerLabel(peer.key);
  switch (key) {
    case "update_only":
      boolTrue(value, "update_only");
      // Like wireguard-go: the peer was created by its public_key line, so undo that.
      if (peer.created && !peer.dummy) {
        control.removePeer(peer.key);
        peer.dummy = true;
      }
      return;
    case "remove":
      boolTrue(value, "remove");
      if (!peer.dummy) {
        log.verbose(`${label} - UAPI: Removing`);
        control.removePeer(peer.key);
      }
      peer.dummy = true;
      return;
    case "preshared_key": {
      const psk = hexKey(value, "preshared_key");
      if (peer.dummy) return;
      log.verbose(`${label} - UAPI: Updating preshared key`);
      control.setPeerPresharedKey(peer.key, isZeroKey(psk) ? null : psk);
      return;
    }
    case "endpoint": {
      const endpoint = endpointValue(value);
      if (peer.dummy) return;
      log.verbose(`${label} - UAPI: Updating endpoint`);
      control.setPeerEndpoint(peer.key, endpoint);
      return;
    }
    case "persistent_keepalive_interval": {
      const secs = unsigned(value, 0xffff, "persistent_keepalive_interval");
      if (peer.dummy) return;
      log.verbose(`${label} - UAPI: Updating persistent keepalive interval`);
      control.setPeerPersistentKeepalive(peer.key, secs);
      return;
    }
    case "replace_allowed_ips":
      boolTrue(value, "replace_allowed_ips");
      if (peer.dummy) return;
      log.verbose(`${label} - UAPI: Removing all allowedips`);
      control.clearPeerAllowedIps(peer.key);
      return;
    case "allowed_ip": {
      const remove = value.startsWith("-");
      const prefix = prefixValue(remove ? value.slice(1) : value);
      if (peer.dummy) return;
      log.verbose(`${label} - UAPI: ${remove ? "Removing" : "Adding"} allowedip`);
      if (remove) control.removePeerAllowedIp(peer.key, prefix);
      else control.addPeerAllowedIp(peer.key, prefix);
      return;
    }
    case "protocol_version":
      if (value !== "1") throw invalid(`invalid protocol version: ${value.slice(0, 16)}`);
      return;
    default:
      throw invalid(`invalid UAPI peer key: ${key.slice(0, 64)}`);
  }
}

function hexKey(value: string, what: string): Key {
  // Never echo the value: it may be key material.
  if (!/^[0-9a-fA-F]{64}$/.test(value)) throw invalid(`failed to set ${what}: not 64 hex digits`);
  return keyFromHex(value);
}

/** Go's strconv.ParseUint(value, 10, bits): decimal digits only, no sign, leading zeros allowed. */
function unsigned(value: string, max: number, what: string): number {
  if (!/^\d{1,20}$/.test(value)) throw invalid(`failed to parse ${what}: ${JSON.stringify(value.slice(0, 24))}`);
  const n = Number(value);
  if (n > max) throw invalid(`failed to parse ${what}: out of range`);
  return n;
}

function boolTrue(value: string, what: string): void {
  if (value !== "true") throw invalid(`failed to set ${what}, invalid value: ${value.slice(0, 16)}`);
}

function endpointValue(value: string): Endpoint {
  try {
    return parseEndpoint(value);
  } catch {
    throw invalid(`failed to set endpoint ${value.slice(0, 80)}`);
  }
}

/** Go's netip.ParsePrefix: the /bits is mandatory, no zone, no leading zeros in the length. */
function prefixValue(value: string): Prefix {
  const slash = value.indexOf("/");
  const bits = slash < 0 ? "" : value.slice(slash + 1);
  if (slash < 0 || !/^(0|[1-9]\d{0,2})$/.test(bits) || value.includes("%")) {
    throw invalid(`failed to set allowed ip: ${JSON.stringify(value.slice(0, 64))}`);
  }
  try {
    return parsePrefix(value);
  } catch {
    throw invalid(`failed to set allowed ip: ${JSON.stringify(value.slice(0, 64))}`);
  }
}
