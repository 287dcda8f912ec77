# coordd: rendezvous, STUN and relay server for plug.
# Build from the repository root:  docker build -f infra/coordd.Dockerfile -t plug/coordd .
# Only coordd, the protocol package and the dists of @plug/wireguard and @plug/nat go in; coordd
# loads nothing of them but the address module ("@plug/wireguard/net") and the STUN codec
# ("@plug/nat/stun/message"): no WireGuard data plane, no TUN addon, no compiler.

FROM node:20-bookworm-slim AS build
WORKDIR /src
# Every workspace manifest, so npm ci sees the lockfile's whole workspace layout.
COPY package.json package-lock.json tsconfig.base.json ./
COPY packages/wireguard/package.json packages/wireguard/
COPY packages/fastpath/package.json packages/fastpath/
COPY packages/tun/package.json packages/tun/
COPY packages/protocol/package.json packages/protocol/
COPY packages/nat/package.json packages/nat/
COPY apps/plugd/package.json apps/plugd/
COPY apps/coordd/package.json apps/coordd/
# No install scripts: nothing coordd needs is native.
RUN npm ci --ignore-scripts --no-audit --no-fund
# tsc -b follows the project references coordd -> protocol, nat -> wireguard -> fastpath, tun; those two are
# compiled as TypeScript only (for @plug/wireguard's declarations), their addons are not built here.
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
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund -w @plug/wireguard -w @plug/protocol -w @plug/nat -w @plug/coordd

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
ENTRYPOINT ["node", "/app/apps/coordd/bin/coordd.js"]
