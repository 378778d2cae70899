#!/usr/bin/env bash
# Builds, idempotently, the local stand-in base images docker/Dockerfile builds on. For hosts that
# cannot reach an image registry: instead of pulling e.g. eclipse-temurin:17-jre, this makes:
#
#   rap-base/debian:bookworm      debootstrap --variant=minbase of Debian 12, `docker import`ed
#   rap-base/jre:17-bookworm      + openjdk-17-jre-headless (runtime base: BASE_IMAGE; the RAP
#                                 Dockerfile adds postgresql-client and curl, as on public bases)
#   rap-base/maven:17-bookworm    + openjdk-17-jdk-headless, maven (jar build stage: BUILDER_IMAGE)
#
# Each image is skipped when it already exists, the derived ones only while their Dockerfile
# (docker/base/) is unchanged (label org.rap.base.recipe); --force rebuilds all three. Packages come
# from the Debian mirror this machine's apt uses (or DEBIAN_MIRROR); the two derived
# images are built with `docker build --network host` because dockerd runs without a bridge.
# Needs root (debootstrap) and installs debootstrap from Debian when missing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
log() { echo "[build-base-image] $*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

SUITE=${DEBIAN_SUITE:-bookworm}

# The Debian mirror this machine's apt uses for a suite (deb822 .sources or one-line .list).
apt_mirror() {
  local uri
  uri=$(awk -v s="$1" 'BEGIN { RS = ""; FS = "\n" }
    { uri = ""; ok = 0
      for (i = 1; i <= NF; i++) {
        if ($i ~ /^URIs:/) { split($i, a, " "); uri = a[2] }
        if ($i ~ /^Suites:/) { n = split($i, b, " "); for (j = 2; j <= n; j++) if (b[j] == s) ok = 1 }
      }
      if (ok && uri != "") { print uri; exit } }' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
  if [ -z "$uri" ]; then
    uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
      | awk -v s="$1" '$1 == "deb" { f = 2; if ($2 ~ /^\[/) while ($f !~ /\]$/) f++; if ($2 ~ /^\[/) f++;
                                     if ($(f + 1) == s) { print $f; exit } }' || true)
  fi
  echo "$uri"
}
MIRROR=${DEBIAN_MIRROR:-$(apt_mirror "$SUITE")}
SECURITY_MIRROR=${DEBIAN_SECURITY_MIRROR:-$(apt_mirror "$SUITE-security")}
[ -n "$MIRROR" ] || { echo "[build-base-image] no apt source for $SUITE on this machine: set DEBIAN_MIRROR" >&2; exit 1; }
DEBIAN_IMAGE=${RAP_DEBIAN_IMAGE:-rap-base/debian:$SUITE}
JRE_IMAGE=${RAP_BASE_IMAGE:-rap-base/jre:17-$SUITE}
MAVEN_IMAGE=${RAP_BUILDER_IMAGE:-rap-base/maven:17-$SUITE}
export DOCKER_BUILDKIT=0

force=0
[ "${1:-}" = "--force" ] && force=1

have() { [ "$force" = 0 ] && docker image inspect "$1" >/dev/null 2>&1; }
# a derived image is current when its recipe label matches its Dockerfile's hash
recipe() { sha256sum "$root/docker/base/$1" | cut -c1-16; }
current() { # image dockerfile
  have "$1" && [ "$(docker image inspect -f '{{index .Config.Labels "org.rap.base.recipe"}}' "$1")" = "$(recipe "$2")" ]
}

if have "$DEBIAN_IMAGE" && current "$JRE_IMAGE" Dockerfile.jre && current "$MAVEN_IMAGE" Dockerfile.maven; then
  log "base images present: $JRE_IMAGE, $MAVEN_IMAGE"
  exit 0
fi

if ! have "$DEBIAN_IMAGE"; then
  if ! command -v debootstrap >/dev/null 2>&1; then
    log "installing debootstrap"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq debootstrap >/dev/null
  fi
  rootfs=$(mktemp -d /tmp/rap-rootfs.XXXXXX)
  trap 'as_root rm -rf "$rootfs"' EXIT
  log "debootstrap --variant=minbase $SUITE from $MIRROR (a few minutes)"
  started=$(date +%s)
  as_root debootstrap --variant=minbase "$SUITE" "$rootfs" "$MIRROR" >"$rootfs.log" 2>&1 \
    || { tail -30 "$rootfs.log" >&2; log "debootstrap failed (log: $rootfs.log)"; exit 1; }
  rm -f "$rootfs.log"
  # the same suites the host uses: updates and security fixes too
  as_root sh -c "cat > '$rootfs/etc/apt/sources.list'" <<EOF
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
${SECURITY_MIRROR:+deb $SECURITY_MIRROR $SUITE-security main}
EOF
  # smaller image: no apt caches, lists or docs; apt keeps it that way (docker-clean style)
  as_root sh -c "cat > '$rootfs/etc/apt/apt.conf.d/docker-clean'" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache ""; Dir::Cache::srcpkgcache "";
EOF
  as_root sh -c "cat > '$rootfs/etc/dpkg/dpkg.cfg.d/docker-nodoc'" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
EOF
  as_root rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* \
    "$rootfs"/usr/share/doc/*/changelog* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/*
  log "importing $DEBIAN_IMAGE"
  as_root tar -C "$rootfs" -c . | docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'LABEL org.rap.stand-in-base=true' \
    --change 'CMD ["/bin/bash"]' \
    - "$DEBIAN_IMAGE" >/dev/null
  as_root rm -rf "$rootfs"
  trap - EXIT
  log "$DEBIAN_IMAGE built in $(( $(date +%s) - started )) s"
fi

build_from() { # image dockerfile
  local started
  started=$(date +%s)
  log "building $1 ($2)"
  docker build --force-rm --network host --build-arg "FROM_IMAGE=$DEBIAN_IMAGE" --label "org.rap.base.recipe=$(recipe "$2")" \
    -t "$1" -f "$root/docker/base/$2" "$root/docker/base" >"/tmp/rap-base-build.log" 2>&1 \
    || { tail -30 /tmp/rap-base-build.log >&2; log "building $1 failed"; exit 1; }
  log "$1 built in $(( $(date +%s) - started )) s"
}
current "$JRE_IMAGE" Dockerfile.jre || build_from "$JRE_IMAGE" Dockerfile.jre
current "$MAVEN_IMAGE" Dockerfile.maven || build_from "$MAVEN_IMAGE" Dockerfile.maven
docker image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep '^rap-base/' >&2
