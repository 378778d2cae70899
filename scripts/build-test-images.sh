#!/usr/bin/env bash
# Builds the small local images tests and the demo use: busybox on scratch, tagged with the names
# job definitions use (<DOCKER_REGISTRY>/<image>:<tag>) for the default registry and for "rap-test".
set -euo pipefail
log() { echo "[build-test-images] $*" >&2; }
images=(python:v2 r:latest ehrql:v1 stata-mp:latest jupyter:latest sqlrunner:latest tpp-database-utils:latest busybox:latest)
missing=0
for img in "${images[@]}"; do
  docker image inspect "ghcr.io/opensafely-core/$img" >/dev/null 2>&1 || missing=1
done
[ "$missing" = 0 ] && { log "test images present"; exit 0; }
ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
cp /bin/busybox "$ctx/busybox"
cat > "$ctx/Dockerfile" <<'DOCKERFILE'
FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
ENV PATH=/bin
WORKDIR /workspace
CMD ["/bin/sh"]
DOCKERFILE
log "building busybox test image"
DOCKER_BUILDKIT=0 docker build -q -t rap-test/busybox:latest "$ctx" >/dev/null
for img in "${images[@]}"; do
  docker tag rap-test/busybox:latest "ghcr.io/opensafely-core/$img"
done
log "tagged ${#images[@]} images"
