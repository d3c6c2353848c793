# syntax=docker/dockerfile:1
# Images of Tributary's processes, one target each (the same build stages serve all of them):
#   docker build --target user-service  -t tributary-user-service .
#   docker build --target order-service -t tributary-order-service .
#   docker build --target broker        -t tributary-broker .
#   docker build --target console       -t tributary-console .
# The build stages install the production dependencies with `npm ci` and bundle each process with esbuild;
# the runtime stage is distroless Node.js 24 (no shell, no package manager, uid 65532) running the bundle,
# with source maps on so that stack traces name the TypeScript sources. Orchestrators probe /health/live and
# /health/ready over HTTP, so there is no HEALTHCHECK. Writable paths: /data only (mount a volume there); the
# root filesystem can be read-only.

# Only the package manifests: the dependency layer below is rebuilt when a manifest changes, not when any
# source file does.
FROM node:24-bookworm-slim AS manifests
COPY . /src
RUN find /src -type f ! -name package.json ! -name package-lock.json -delete \
 && find /src -depth -type d -empty -delete

# The production dependencies of every workspace (esbuild, the console's, among them): each image's bundle
# takes from them what its process imports.
FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY --from=manifests /src /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false
# /data is where the processes write (PGlite, the broker's log); created here because the runtime has no shell.
RUN mkdir -p /rootfs/data && chown 65532:65532 /rootfs/data
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts

# Sources without tests, benchmarks and tooling (see .dockerignore).
FROM node:24-bookworm-slim AS source
COPY . /app

FROM deps AS build
COPY --from=source /app /app

# PGlite for the services (compose's embedded profile and the chart's database.pglite run them on it): a dump
# of a freshly initialised database, so that a first start on an empty volume unpacks it instead of running
# initdb in WebAssembly, and PGlite's WebAssembly builds, file bundle and that dump brotli-compressed
# (scripts/compress-pglite.ts: 25 MB → 5 MB; decompressed in memory when a database opens).
FROM build AS pglite
RUN node scripts/prepare-pglite-template.ts && node scripts/compress-pglite.ts

# What goes into each image (scripts/assemble-image-app.ts): /out/sources, the process bundled by esbuild
# into one file (and its source map) where its entry point was, with the files it reads; /out/modules, the
# packages that stay packages. pg: loaded through a require of its own, so that OpenTelemetry's pg
# instrumentation hooks it. PGlite and Swagger UI: they read their own files.
FROM pglite AS user-service-app
RUN node scripts/assemble-image-app.ts --from /app --to /out --entry services/user-service/src/server.ts \
      --external pg --external @electric-sql/pglite --external @fastify/swagger-ui \
      --copy services/user-service/migrations --copy node_modules/.cache/tributary-pglite

FROM pglite AS order-service-app
RUN node scripts/assemble-image-app.ts --from /app --to /out --entry services/order-service/src/server.ts \
      --external pg --external @electric-sql/pglite --external @fastify/swagger-ui \
      --copy services/order-service/migrations --copy node_modules/.cache/tributary-pglite

FROM build AS broker-app
RUN node scripts/assemble-image-app.ts --from /app --to /out --entry packages/broker/src/bin/tributary-broker.js

# The console serves its UI bundle built here (UI_DIR), so it needs no esbuild at run time, and no PGlite
# either: it has no database.
FROM build AS console-app
RUN node services/console/src/bin/build-ui.ts \
 && node scripts/assemble-image-app.ts --from /app --to /out --entry services/console/src/server.ts \
      --external @fastify/swagger-ui --leave-out esbuild --leave-out @electric-sql/pglite \
      --copy services/console/dist

FROM gcr.io/distroless/nodejs24-debian12:nonroot AS runtime
ARG VERSION=0.0.0-dev
ARG REVISION=unknown
ARG SOURCE=https://github.com/tributary/tributary
LABEL org.opencontainers.image.source=$SOURCE \
      org.opencontainers.image.version=$VERSION \
      org.opencontainers.image.revision=$REVISION \
      org.opencontainers.image.licenses=Apache-2.0 \
      org.opencontainers.image.vendor=Tributary
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps --chown=65532:65532 /rootfs/data /data
USER 65532:65532

# Two layers over the base each: the packages that stay packages, then the bundle (which changes more often).
FROM runtime AS user-service
LABEL org.opencontainers.image.title=tributary-user-service \
      org.opencontainers.image.description="Tributary User Service: users and their events"
COPY --from=user-service-app /out/modules /app
COPY --from=user-service-app /out/sources /app
ENV HOST=0.0.0.0 PORT=5001 DATA_DIR=/data/user-service
EXPOSE 5001
CMD ["--enable-source-maps", "services/user-service/src/server.mjs"]

FROM runtime AS order-service
LABEL org.opencontainers.image.title=tributary-order-service \
      org.opencontainers.image.description="Tributary Order Service: orders, the user projection and the order lifecycle"
COPY --from=order-service-app /out/modules /app
COPY --from=order-service-app /out/sources /app
ENV HOST=0.0.0.0 PORT=5002 DATA_DIR=/data/order-service
EXPOSE 5002
CMD ["--enable-source-maps", "services/order-service/src/server.mjs"]

FROM runtime AS broker
LABEL org.opencontainers.image.title=tributary-broker \
      org.opencontainers.image.description="Tributary broker: a single-node Kafka-wire-compatible broker"
COPY --from=broker-app /out/modules /app
COPY --from=broker-app /out/sources /app
ENV TRIBUTARY_BROKER_HOST=0.0.0.0 TRIBUTARY_BROKER_PORT=9092 TRIBUTARY_BROKER_DATA_DIR=/data/broker
EXPOSE 9092
CMD ["--enable-source-maps", "packages/broker/src/bin/tributary-broker.mjs"]

FROM runtime AS console
LABEL org.opencontainers.image.title=tributary-console \
      org.opencontainers.image.description="Tributary Console: topics, consumer groups, dead letters and traces of a Kafka cluster"
COPY --from=console-app /out/modules /app
COPY --from=console-app /out/sources /app
# Listening beyond loopback, the console requires CONSOLE_TOKEN (16+ characters) from the environment.
ENV HOST=0.0.0.0 PORT=5000 DATA_DIR=/data/console UI_DIR=/app/services/console/dist
EXPOSE 5000
CMD ["--enable-source-maps", "services/console/src/server.mjs"]
