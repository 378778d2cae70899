#!/usr/bin/env bash
# Builds the RAP image from docker/Dockerfile on the local stand-in base images.
#   scripts/build-image.sh [TAG]      (default tag: rap:<pom version>; also tagged rap:latest)
# Builds the base images first when missing (scripts/build-base-image.sh). The jar is built inside
# the image (Maven stage) with --network host; when ~/.m2/repository exists it is served on
# loopback and tried before Maven Central, so a machine that ran the tests needs no downloads.
# Env: BASE_IMAGE, BUILDER_IMAGE (other bases), RAP_IMAGE_NO_MIRROR=1 (Maven Central only).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
log() { echo "[build-image] $*" >&2; }
export DOCKER_BUILDKIT=0

# project version: the first <version> of pom.xml (the project's own; the pom has no parent)
version=$(sed -n 's:^  <version>\(.*\)</version>.*:\1:p' "$root/pom.xml" | head -1)
[ -n "$version" ] || { log "cannot read the project version from pom.xml"; exit 1; }
revision=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || true)
tag=${1:-rap:$version}

if [ -z "${BASE_IMAGE:-}" ] || [ -z "${BUILDER_IMAGE:-}" ]; then
  "$here/build-base-image.sh"
fi

args=(--build-arg "VERSION=$version" --build-arg "REVISION=$revision"
      --build-arg "CREATED=$(date -u +%Y-%m-%dT%H:%M:%SZ)")
[ -n "${BASE_IMAGE:-}" ] && args+=(--build-arg "BASE_IMAGE=$BASE_IMAGE")
[ -n "${BUILDER_IMAGE:-}" ] && args+=(--build-arg "BUILDER_IMAGE=$BUILDER_IMAGE")

mirror_pid=
cleanup() { [ -n "$mirror_pid" ] && kill "$mirror_pid" 2>/dev/null || true; }
trap cleanup EXIT
repo=${MAVEN_LOCAL_REPO:-$HOME/.m2/repository}
if [ -z "${RAP_IMAGE_NO_MIRROR:-}" ] && [ -d "$repo" ] && command -v busybox >/dev/null 2>&1; then
  # a fixed port first: the URL is a build argument, and a changed value misses the layer cache
  for port in ${RAP_MAVEN_MIRROR_PORT:-38417} $(( 20000 + RANDOM % 40000 )) $(( 20000 + RANDOM % 40000 )); do
    busybox httpd -f -p "127.0.0.1:$port" -h "$repo" &
    mirror_pid=$!
    sleep 0.3
    if kill -0 "$mirror_pid" 2>/dev/null; then break; fi
    mirror_pid=
  done
  if [ -n "$mirror_pid" ]; then
    log "serving $repo on 127.0.0.1:$port for the Maven stage"
    args+=(--build-arg "MAVEN_MIRROR_URL=http://127.0.0.1:$port/")
  fi
fi

started=$(date +%s)
log "building $tag (version $version${revision:+, revision $revision})"
docker build --force-rm --network host -f "$root/docker/Dockerfile" "${args[@]}" -t "$tag" "$root" \
  > "${RAP_IMAGE_BUILD_LOG:-/tmp/rap-image-build.log}" 2>&1 \
  || { tail -40 "${RAP_IMAGE_BUILD_LOG:-/tmp/rap-image-build.log}" >&2; log "image build failed"; exit 1; }
[ "$tag" = "rap:latest" ] || docker tag "$tag" rap:latest
size=$(docker image inspect -f '{{.Size}}' "$tag")
log "built $tag in $(( $(date +%s) - started )) s, $(( size / 1024 / 1024 )) MiB"
echo "$tag"
