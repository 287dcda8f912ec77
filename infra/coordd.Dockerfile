# coordd: rendezvous, STUN and relay server for plug.
# Build from the repository root:  docker build -f infra/coordd.Dockerfile -t plug/coordd .
# Only coordd, the protocol package, @plug/fastpath's addon and the dists of @plug/wireguard and
# @plug/nat go in; coordd loads nothing of the last two but the address module ("@plug/wireguard/net")
# and the STUN codec ("@plug/nat/stun/message"): no WireGuard data plane, no TUN addon, no compiler.
# The fastpath addon (batched UDP socket, OpenSSL contexts for the protocol's crypto) is compiled in the
# build stage against the image's own Node headers and OpenSSL; only the .node file is carried over.

FROM node:20-bookworm-slim AS build
WORKDIR /src
# A compiler for the one native addon coordd uses; this stage is thrown away.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
# Every workspace manifest, so npm ci sees the lockfile's whole workspace layout.
COPY package.json package-lock.json tsconfig.base.json ./
COPY packages/wireguard/package.json packages/wireguard/
COPY packages/fastpath/package.json packages/fastpath/
COPY packages/tun/package.json packages/tun/
COPY packages/protocol/package.json packages/protocol/
COPY packages/nat/package.json packages/nat/
COPY apps/plugd/package.json apps/plugd/
COPY apps/coordd/package.json apps/coordd/
# No install scripts: the root "prepare" would build the TUN addon too; the one addon coordd needs is built below.
RUN npm ci --ignore-scripts --no-audit --no-fund
# Only @plug/fastpath's addon, with the node-gyp that npm bundles and the headers of this image's Node
# (/usr/local/include/node, OpenSSL's included).
COPY packages/fastpath/binding.gyp packages/fastpath/
COPY packages/fastpath/native packages/fastpath/native
RUN npm_config_nodedir=/usr/local node /usr/local/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js rebuild -C packages/fastpath
# tsc -b follows the project references coordd -> protocol, nat -> wireguard -> fastpath, tun; tun is
# compiled as TypeScript only (for @plug/wireguard's declarations), its addon is not built here.
COPY packages/fastpath/tsconfig.json packages/fastpath/
COPY packages/fastpath/src packages/fastpath/src
COPY packages/tun/tsconfig.json packages/tun/
COPY packages/tun/src packages/tun/src
COPY packages/wireguard/tsconfig.json packages/wireguard/
COPY packages/wireguard/src packages/wireguard/src
COPY packages/protocol/tsconfig.json packages/protocol/
COPY packages/protocol/src packages/protocol/src
COPY packages/nat/tsconfig.json packages/nat/
COPY packages/nat/src packages/nat/src
COPY apps/coordd/tsconfig.json apps/coordd/
COPY apps/coordd/src apps/coordd/src
COPY apps/coordd/bin apps/coordd/bin
RUN npx tsc -b apps/coordd

FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY --from=build /src/package.json /src/package-lock.json ./
COPY --from=build /src/packages/wireguard/package.json packages/wireguard/
COPY --from=build /src/packages/fastpath/package.json packages/fastpath/
COPY --from=build /src/packages/tun/package.json packages/tun/
COPY --from=build /src/packages/protocol/package.json packages/protocol/
COPY --from=build /src/packages/nat/package.json packages/nat/
COPY --from=build /src/apps/plugd/package.json apps/plugd/
COPY --from=build /src/apps/coordd/package.json apps/coordd/
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund -w @plug/wireguard -w @plug/fastpath -w @plug/protocol -w @plug/nat -w @plug/coordd

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    COORDD_KEY_FILE=/var/lib/coordd/coordd.key \
    COORDD_UDP_PORT=3478 \
    COORDD_ALT_UDP_PORT=3479 \
    COORDD_HTTP_PORT=8080
WORKDIR /app
COPY --from=deps /app/node_modules node_modules
COPY --from=build /src/packages/wireguard/package.json packages/wireguard/
COPY --from=build /src/packages/wireguard/dist packages/wireguard/dist
COPY --from=build /src/packages/fastpath/package.json packages/fastpath/
COPY --from=build /src/packages/fastpath/dist packages/fastpath/dist
COPY --from=build /src/packages/fastpath/build/Release/plug_fastpath.node packages/fastpath/build/Release/
COPY --from=build /src/packages/protocol/package.json packages/protocol/
COPY --from=build /src/packages/protocol/dist packages/protocol/dist
COPY --from=build /src/packages/nat/package.json packages/nat/
COPY --from=build /src/packages/nat/dist packages/nat/dist
COPY --from=build /src/apps/coordd/package.json apps/coordd/
COPY --from=build /src/apps/coordd/dist apps/coordd/dist
COPY --from=build /src/apps/coordd/bin apps/coordd/bin
# The key lives on a volume owned by the unprivileged user; coordd creates it 0600 on first start.
RUN mkdir -p /var/lib/coordd && chown node:node /var/lib/coordd && chmod 700 /var/lib/coordd
USER node
VOLUME /var/lib/coordd
EXPOSE 3478/udp 3479/udp 8080/tcp
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.COORDD_HTTP_PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
STOPSIGNAL SIGTERM
# A 4 MB young generation: registrations are long-lived, so V8's default (16 MB semi-spaces) only
# copies them around longer, and its scavenges of 8-27 ms under load set the push latency tail.
# 4 MB met both the registration and the push-tail targets in every quiet run and kept the tail
# best under load; 2 MB cost more throughput for no better tail (docs/PERFORMANCE.md, coordd
# "Session 5").
ENTRYPOINT ["node", "--max-semi-space-size=4", "/app/apps/coordd/bin/coordd.js"]
