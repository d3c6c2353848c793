#!/usr/bin/env bash
# Builds local stand-ins for the two base images of the Dockerfile, from Debian packages and the npm
# `node@24` binary, and tags them with the upstream names, so that `podman build` of the unchanged
# Dockerfile works on a machine that reaches no container registry:
#   docker.io/library/node:24-bookworm-slim        Debian bookworm (minbase) + node + npm
#   gcr.io/distroless/nodejs24-debian12:nonroot    FROM scratch: the Debian packages of distroless cc-debian12,
#                                                  node, CA bundle, nonroot (65532), no shell
# Usage: build-base-images.sh WORKDIR   (as root; WORKDIR is scratch space, deleted by the caller)
set -euo pipefail
W=${1:?usage: build-base-images.sh WORKDIR}
mkdir -p "$W"
export CONTAINERS_CONF=${CONTAINERS_CONF:-"$(cd "$(dirname "$0")" && pwd)/containers.conf"}

# 1. Debian bookworm, minimal variant, from the machine's own Debian mirror.
mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
if [ -z "$mirror" ]; then
  mirror=$(awk '$1 == "deb" { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)
fi
mirror=${mirror:-http://deb.debian.org/debian}
rootfs="$W/rootfs"
unmount_rootfs() {
  # debootstrap mounts /proc and /sys inside the target; never delete through a mount.
  for m in $(awk -v r="$rootfs" 'index($2, r) == 1 { print $2 }' /proc/mounts | sort -r); do umount -l "$m" || true; done
}
trap unmount_rootfs EXIT
debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$W/debootstrap.log" 2>&1 ||
  { tail -20 "$W/debootstrap.log" >&2; exit 1; }
unmount_rootfs
tar -C "$rootfs" --numeric-owner -c . | podman import -q - localhost/tributary-standin/debian:bookworm >/dev/null

# 2. The Node.js 24 binary and npm, from the npm registry.
mkdir -p "$W/node"
(cd "$W/node" && npm install --no-save --no-audit --no-fund --silent node@24 && npm pack --silent npm@11 >/dev/null)
node_bin=$(readlink -f "$W/node/node_modules/node/bin/node")

# 3. node:24-bookworm-slim stand-in.
slim="$W/slim"
mkdir -p "$slim"
cp "$node_bin" "$slim/node"
cp "$W"/node/npm-*.tgz "$slim/npm.tgz"
# The machine's CA bundle, so that npm inside builds trusts what the machine trusts (a network that
# intercepts TLS has its own certificate authority there); the upstream image relies on Node's own roots.
cp -L /etc/ssl/certs/ca-certificates.crt "$slim/ca-certificates.crt"
cat >"$slim/Containerfile" <<'CF'
FROM localhost/tributary-standin/debian:bookworm
COPY node /usr/local/bin/node
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
ADD npm.tgz /usr/local/lib/
RUN mkdir -p /usr/local/lib/node_modules && mv /usr/local/lib/package /usr/local/lib/node_modules/npm \
 && ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && groupadd -g 1000 node && useradd -u 1000 -g node -m -s /bin/bash node \
 && node --version && npm --version
CMD ["node"]
CF
podman build -q --pull=never -t localhost/tributary-standin/node:24-bookworm-slim "$slim" >/dev/null

# 4. distroless nodejs24 stand-in, made of what the real image is made of: the Debian 12 packages of
#    distroless "static" (base-files, netbase, tzdata, media-types, the CA bundle, passwd/group for nonroot),
#    "base" (libc6, libssl3) and "cc" (libgcc-s1, libstdc++6, libgomp1, gcc-12-base), unpacked whole, plus
#    /nodejs/bin/node and its LICENSE (no npm, no headers). Its size is then close to the real one's.
d="$W/distroless"
mkdir -p "$W/debs" "$d/nodejs/bin" "$d/etc/ssl/certs" "$d/tmp" "$d/home/nonroot"
(cd "$W/debs" && apt-get download -q base-files netbase tzdata media-types libc6 libssl3 \
  libgcc-s1 libstdc++6 libgomp1 gcc-12-base >"$W/apt-download.log" 2>&1) ||
  { tail -20 "$W/apt-download.log" >&2; exit 1; }
for deb in "$W"/debs/*.deb; do dpkg-deb -x "$deb" "$d"; done
cp "$node_bin" "$d/nodejs/bin/node"
license=$(dirname "$(dirname "$node_bin")")/LICENSE
[ -f "$license" ] && cp "$license" "$d/nodejs/LICENSE"
cp -L /etc/ssl/certs/ca-certificates.crt "$d/etc/ssl/certs/"
printf 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >"$d/etc/passwd"
printf 'root:x:0:\nnobody:x:65534:\ntty:x:5:\nstaff:x:50:\nnonroot:x:65532:\n' >"$d/etc/group"
printf 'passwd: files\ngroup: files\nshadow: files\nhosts: files dns\nnetworks: files\nprotocols: files\nservices: files\nethers: files\nrpc: files\n' >"$d/etc/nsswitch.conf"
chmod 1777 "$d/tmp"
chown 65532:65532 "$d/home/nonroot"
tar -C "$d" --numeric-owner -c . | podman import -q \
  --change 'ENTRYPOINT ["/nodejs/bin/node"]' \
  --change 'USER 65532:65532' \
  --change 'WORKDIR /home/nonroot' \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/nodejs/bin' \
  --change 'ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt' \
  - localhost/tributary-standin/distroless-nodejs:24 >/dev/null

# 5. The upstream names, so FROM lines resolve locally.
podman tag localhost/tributary-standin/node:24-bookworm-slim docker.io/library/node:24-bookworm-slim
podman tag localhost/tributary-standin/distroless-nodejs:24 gcr.io/distroless/nodejs24-debian12:nonroot
rm -rf "$rootfs" "$slim" "$d" "$W/node" "$W/debs"
[ -c /dev/null ] || echo "warning: /dev/null is not a character device any more" >&2
