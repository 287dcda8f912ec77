#!/usr/bin/env bash
# Installs the Debian packages plug's build, demo and tests need (run as root).
# .ci/run calls this on a fresh machine; developers run it once.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt_packages=(
  wireguard-go wireguard-tools      # reference peer and the unmodified wg / wg-quick tools
  iproute2 iputils-ping iperf3      # namespaces, veth, ss, ping, throughput
  nftables iptables                 # NAT routers in the lab, wg-quick's full-tunnel rules
  tcpdump procps psmisc kmod        # packet capture (forgery tests), pgrep/sysctl
  stun-client coturn                # reference STUN client and server
  miniupnpd-nftables miniupnpc natpmpc  # real UPnP IGD / NAT-PMP / PCP server and clients
  docker-compose                    # validates docker-compose.yml without an engine
  curl                              # the NAT lab reaches coordd over HTTP (UDP-blocked sites, metrics)
  python3 make g++                  # node-gyp for the TUN addon
)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -q
  # miniupnpd's postinst asks questions; the lab never uses its init script.
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
