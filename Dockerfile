# syntax=docker/dockerfile:1
# Images of Tributary's processes, one target each (the same build stages serve all of them):
#   docker build --target user-service  -t tributary-user-service .
#   docker build --target order-service -t tributary-order-service .
#   docker build --target broker        -t tributary-broker .
#   docker build --target console       -t tributary-console .
# The build stage installs one workspace's production dependencies with `npm ci`; the runtime stage is
# distroless Node.js 24 (no shell, no package manager, uid 65532), and Node runs the TypeScript sources
# directly (type stripping). Orchestrators probe /health/live and /health/ready over HTTP, so there is no
# HEALTHCHECK. Writable paths: /data only (mount a volume there); the root filesystem can be read-only.

# Only the package manifests: the dependency layers below are rebuilt when a manifest changes, not when
# any source file does.
FROM node:24-bookworm-slim AS manifests
COPY . /src
RUN find /src -type f ! -name package.json ! -name package-lock.json -delete \
 && find /src -depth -type d -empty -delete

FROM node:24-bookworm-slim AS deps-base
WORKDIR /app
COPY --from=manifests /src /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false
# /data is where the processes write (PGlite, the broker's log); created here because the runtime has no shell.
RUN mkdir -p /rootfs/data && chown 65532:65532 /rootfs/data

# Each image gets the production dependencies of its own workspace only.
FROM deps-base AS user-service-deps
RUN npm ci --omit=dev --workspace=services/user-service --include-workspace-root=false --no-audit --no-fund --ignore-scripts

FROM deps-base AS order-service-deps
RUN npm ci --omit=dev --workspace=services/order-service --include-workspace-root=false --no-audit --no-fund --ignore-scripts

FROM deps-base AS broker-deps
RUN npm ci --omit=dev --workspace=packages/broker --include-workspace-root=false --no-audit --no-fund --ignore-scripts

FROM deps-base AS console-deps
RUN npm ci --omit=dev --workspace=services/console --include-workspace-root=false --no-audit --no-fund --ignore-scripts

# Sources without tests, benchmarks and tooling (see .dockerignore).
FROM node:24-bookworm-slim AS source
COPY . /app

# A dump of a freshly initialised PGlite database, so that a service's first start on an empty volume
# unpacks it instead of running initdb in WebAssembly (what `npm ci`'s postinstall does in a checkout).
FROM user-service-deps AS pglite-template
COPY --from=source /app /app
RUN node scripts/prepare-pglite-template.ts && ls node_modules/.cache/tributary-pglite/fresh-*.tar.gz

# What goes into each image (scripts/assemble-image-app.ts): /out/modules, the dependencies without type
# declarations, source maps, docs and tests; /out/sources, the workspaces the process runs.
FROM user-service-deps AS user-service-app
COPY --from=source /app /app
COPY --from=pglite-template /app/node_modules/.cache /app/node_modules/.cache
RUN node scripts/assemble-image-app.ts --from /app --to /out

FROM order-service-deps AS order-service-app
COPY --from=source /app /app
COPY --from=pglite-template /app/node_modules/.cache /app/node_modules/.cache
RUN node scripts/assemble-image-app.ts --from /app --to /out

FROM broker-deps AS broker-app
COPY --from=source /app /app
RUN node scripts/assemble-image-app.ts --from /app --to /out

# The console serves its UI bundle built here (UI_DIR), so neither esbuild nor Preact (bundled into it) is
# needed at run time, and PGlite is not either: the console has no database.
FROM console-deps AS console-app
COPY --from=source /app /app
RUN node services/console/src/bin/build-ui.ts \
 && node scripts/assemble-image-app.ts --from /app --to /out \
      --without esbuild --without @esbuild --without preact --without @electric-sql/pglite

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
COPY --from=deps-base --chown=65532:65532 /rootfs/data /data
USER 65532:65532

# Two layers over the base each: the dependencies, then our code (which changes more often).
FROM runtime AS user-service
LABEL org.opencontainers.image.title=tributary-user-service \
      org.opencontainers.image.description="Tributary User Service: users and their events"
COPY --from=user-service-app /out/modules /app
COPY --from=user-service-app /out/sources /app
ENV HOST=0.0.0.0 PORT=5001 DATA_DIR=/data/user-service
EXPOSE 5001
CMD ["services/user-service/src/server.ts"]

FROM runtime AS order-service
LABEL org.opencontainers.image.title=tributary-order-service \
      org.opencontainers.image.description="Tributary Order Service: orders, the user projection and the order lifecycle"
COPY --from=order-service-app /out/modules /app
COPY --from=order-service-app /out/sources /app
ENV HOST=0.0.0.0 PORT=5002 DATA_DIR=/data/order-service
EXPOSE 5002
CMD ["services/order-service/src/server.ts"]

FROM runtime AS broker
LABEL org.opencontainers.image.title=tributary-broker \
      org.opencontainers.image.description="Tributary broker: a single-node Kafka-wire-compatible broker"
COPY --from=broker-app /out/modules /app
COPY --from=broker-app /out/sources /app
ENV TRIBUTARY_BROKER_HOST=0.0.0.0 TRIBUTARY_BROKER_PORT=9092 TRIBUTARY_BROKER_DATA_DIR=/data/broker
EXPOSE 9092
CMD ["packages/broker/src/bin/tributary-broker.js"]

FROM runtime AS console
LABEL org.opencontainers.image.title=tributary-console \
      org.opencontainers.image.description="Tributary Console: topics, consumer groups, dead letters and traces of a Kafka cluster"
COPY --from=console-app /out/modules /app
COPY --from=console-app /out/sources /app
# Listening beyond loopback, the console requires CONSOLE_TOKEN (16+ characters) from the environment.
ENV HOST=0.0.0.0 PORT=5000 DATA_DIR=/data/console UI_DIR=/app/services/console/dist
EXPOSE 5000
CMD ["services/console/src/server.ts"]
