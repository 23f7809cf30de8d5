# The gateway image: compiled JavaScript on Node 24 LTS. CI (scripts/check-dockerfile.ts) assembles
# the runtime stage from this file without a Docker engine and runs the gateway from it.
ARG NODE_VERSION=24

FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# npm ci's postinstall applies patches/ to dependencies, in both stages.
COPY patches ./patches
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
LABEL org.opencontainers.image.title="Anthias Cloud gateway" org.opencontainers.image.description="Multi-tenant GraphQL gateway for Anthias digital signage"
ENV NODE_ENV=production HOST=0.0.0.0 PORT=4000
WORKDIR /app
COPY package.json package-lock.json ./
COPY patches ./patches
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
# What the runtime reads: the build, the CLI, the migrations and the trusted-document manifest.
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY drizzle ./drizzle
COPY clients/device/manifest.json ./clients/device/manifest.json
# The embedded database's folder, for a trial run without DATABASE_URL.
RUN mkdir .anthias && chown node:node .anthias
USER node
EXPOSE 4000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node runs as PID 1 without an init: src/main.ts handles SIGTERM and SIGINT itself (drain, close,
# exit 0) and the gateway starts no child processes, so there is nothing to reap.
CMD ["node", "--enable-source-maps", "dist/main.js"]
