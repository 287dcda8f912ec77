// --help and --version text. The help reads like a man page because plugd is
// installed where wireguard-go would be and users reach for `plugd --help`
// before anything else.
import { readFileSync } from "node:fs";

export function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version?: unknown };
    return typeof pkg.version === "string" ? pkg.version : "unknown";
  } catch {
    return "unknown";
  }
}

export function versionText(): string {
  return (
    `plugd v${version()}\n\n` +
    "Userspace WireGuard daemon that keeps roaming peers connected.\n" +
    `Running on Node.js ${process.version} (${process.platform}-${process.arch}).\n`
  );
}

export function usageLine(prog = "plugd"): string {
  return (
    `Usage: ${prog} [-f|--foreground] [--config FILE] INTERFACE-NAME\n` +
    `       ${prog} status [INTERFACE-NAME] [--json] | netcheck [INTERFACE-NAME] [--json]\n` +
    `       ${prog} ping [INTERFACE-NAME] PEER-PUBLIC-KEY [--timeout SECONDS] [--json]\n` +
    `       ${prog} genkey | genpsk | pubkey\n`
  );
}

export function helpText(): string {
  return `NAME
    plugd - userspace WireGuard daemon that keeps roaming peers connected

SYNOPSIS
    plugd [-f|--foreground] [--config FILE] INTERFACE-NAME
    plugd status [INTERFACE-NAME] [--json]
    plugd netcheck [INTERFACE-NAME] [--json]
    plugd ping [INTERFACE-NAME] PEER-PUBLIC-KEY [--timeout SECONDS] [--json]
    plugd genkey | genpsk | pubkey
    plugd --help | --version

DESCRIPTION
    plugd creates the TUN device INTERFACE-NAME and runs a complete WireGuard
    interface on it in userspace, byte-compatible with Linux kernel WireGuard
    and wireguard-go. It is configured like any WireGuard interface: by wg(8),
    wg-quick(8) or the cross-platform UAPI socket
    /var/run/wireguard/INTERFACE-NAME.sock, which only root can open.

    The command line follows wireguard-go, so wg-quick can use plugd where no
    kernel module is available:
        WG_QUICK_USERSPACE_IMPLEMENTATION=plugd wg-quick up wg0

    Without --foreground, plugd starts a copy of itself in the background and
    exits 0 once that copy has created the interface and its UAPI socket, or 1
    with the copy's error message if it could not.

    The interface goes away, and plugd exits 0, on SIGINT or SIGTERM, when the
    TUN device is deleted (ip link del INTERFACE-NAME), or when the UAPI socket
    file is removed.

FINDING PEERS
    When plugd runs with a configuration file, it also keeps every peer's
    endpoint right by itself, with nothing configured but keys and allowed
    IPs. It registers each peer pair with a coordinator (coordd) under a
    rendezvous id only the two peers can compute; the coordinator never sees a
    WireGuard public key and cannot read or forge what the peers tell each
    other (their LAN, IPv6, public and port-mapped addresses). When both sides
    are registered they probe every candidate at once (the hole punch) and
    WireGuard moves to the best path that answers:
        lan > IPv6 direct > public direct > port-mapped > relay
    The coordinator relays WireGuard ciphertext only when nothing direct
    works (over UDP, or over WebSocket where UDP is blocked), and plugd keeps
    probing so it upgrades without dropping traffic. Network changes
    (rtnetlink address, route and link events) make plugd send from the new
    address at once, re-measure its NAT, renew its port mapping and
    re-register, so the peer learns the new path within a round trip.

    Configuration keys for this, in the [Interface] section:
        Coordinator = HOST:PORT        coordd's UDP port, or "off"
                                       (default: the public coordinator
                                       coord.plug.network:3478)
        CoordinatorKey = BASE64        printed by "coordd pubkey"; required
                                       with a Coordinator other than the default
        CoordinatorWebSocket = URL     ws:// or wss:// base URL of coordd's HTTP
                                       port, used when UDP to it is blocked
        PortMapping = auto|upnp|natpmp|pcp|off
                                       ask the router for a port mapping
                                       (default auto: PCP, NAT-PMP and UPnP IGD
                                       probed in parallel)
        MetricsListen = IP:PORT        serve Prometheus metrics (GET /metrics)
                                       there; off unless set
    A peer's configured Endpoint keeps working with the coordinator down.
    Without a configuration file (plugd driven only by wg/wg-quick), plugd
    behaves exactly like wireguard-go and contacts no coordinator.

OPTIONS
    -f, --foreground
        Stay in the foreground; log to standard error.

    -c FILE, --config FILE
        Read the interface configuration (wg-quick format plus plugd's own
        keys) from FILE and apply it before the interface is announced as
        ready. A syntax error is reported as FILE:LINE: message and plugd exits
        1 before creating anything. Without this option plugd reads
        /etc/plugd/INTERFACE-NAME.conf if that file exists.

    -h, --help
        Show this help and exit.

    -v, --version
        Show the version and exit.

COMMANDS
    genkey
        Print a new random private key (base64) on standard output, as wg genkey.

    genpsk
        Print a new random preshared key, as wg genpsk.

    pubkey
        Read a private key on standard input and print its public key, as
        wg pubkey.

    status [INTERFACE-NAME] [--json]
        For every running interface (or the one named): the coordinator link,
        this host's NAT behaviour and port mapping, and per peer the path in
        use (lan, direct, mapped, relay-udp, relay-ws or none), why it is not
        direct when it is not, endpoint, round-trip time, latest handshake
        and transfer.

    netcheck [INTERFACE-NAME] [--json]
        Measure now: public endpoint, NAT mapping and filtering behaviour
        (RFC 5780, against the coordinator's STUN service) and which port
        mapping protocol answered.

    ping [INTERFACE-NAME] PEER-PUBLIC-KEY [--timeout SECONDS] [--json]
        Probe every candidate path of the peer and print each path's
        round-trip time as it answers; exit 0 as soon as the path is direct
        (or lan), 1 if it is still relayed or down after the timeout
        (default 10 seconds).

ENVIRONMENT
    LOG_LEVEL=verbose|error|silent
        How much to log to standard error (default error; debug means
        verbose). A background plugd keeps standard output and error only
        when LOG_LEVEL is set to something other than silent, as wireguard-go.
        Private and preshared keys are never logged.

    WG_PROCESS_FOREGROUND=1
        Same as --foreground.

    WG_TUN_FD=N
        Use the already open TUN device on file descriptor N instead of
        creating INTERFACE-NAME (the wireguard-go convention for a parent that
        created the device itself). Its kernel name is used for the socket.

FILES
    /var/run/wireguard/INTERFACE-NAME.sock
        UAPI socket (mode 0700 under a 0755 directory). A socket that still
        answers means the name is in use; a stale one is replaced.

    /etc/plugd/INTERFACE-NAME.conf
        Default configuration file; should be mode 0600.

    /var/run/plug/INTERFACE-NAME.sock
        Control socket for status, netcheck and ping (mode 0600).

EXIT STATUS
    0 on a clean shutdown (or once a background copy is ready), 1 on errors.

EXAMPLES
    Start an interface and configure it with wg:
        plugd wg0
        wg set wg0 private-key /etc/wireguard/wg0.key listen-port 51820 \\
            peer <base64 public key> endpoint 203.0.113.7:51820 allowed-ips 10.0.0.2/32
        ip address add 10.0.0.1/24 dev wg0 && ip link set wg0 up

    Let wg-quick drive it:
        WG_QUICK_USERSPACE_IMPLEMENTATION=plugd wg-quick up wg0

SEE ALSO
    wg(8), wg-quick(8), wireguard-go(8)
`;
}
