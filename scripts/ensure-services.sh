#!/usr/bin/env bash
# Makes sure, idempotently, that what the tests need runs on this Debian machine:
# PostgreSQL (Debian `postgresql`), a Docker engine (Debian `docker.io`, dockerd without a bridge),
# the small local test images and Debian `chromium` (operator page test). Prints the environment to
# use (RAP_TEST_PG_URL).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
log() { echo "[ensure-services] $*" >&2; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

docker_only=0
[ "${1:-}" = "--docker-only" ] && docker_only=1

need_pkgs=()
[ "$docker_only" = 1 ] || command -v pg_ctlcluster >/dev/null 2>&1 || need_pkgs+=(postgresql)
command -v dockerd >/dev/null 2>&1 || need_pkgs+=(docker.io)
dpkg -s busybox-static >/dev/null 2>&1 || need_pkgs+=(busybox-static)
# headless browser for the operator page test (OpsPageChromiumTest)
[ "$docker_only" = 1 ] || command -v chromium >/dev/null 2>&1 || need_pkgs+=(chromium)
if [ ${#need_pkgs[@]} -gt 0 ]; then
  log "installing ${need_pkgs[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${need_pkgs[@]}" >/dev/null
fi

if [ "$docker_only" = 0 ]; then
# PostgreSQL: start the default cluster and make a test role/database.
pg_version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -1)
if [ -z "$pg_version" ]; then
  log "no PostgreSQL cluster found after install"; exit 1
fi
if ! pg_lsclusters -h | awk '{print $4}' | grep -q online; then
  log "starting PostgreSQL $pg_version"
  as_root pg_ctlcluster "$pg_version" main start
fi
for i in $(seq 1 30); do
  as_root su postgres -c "psql -qtAc 'select 1'" >/dev/null 2>&1 && break; sleep 0.5
done
as_root su postgres -c "psql -qtAc \"select 1 from pg_roles where rolname='rap'\"" | grep -q 1 \
  || as_root su postgres -c "psql -qc \"create role rap login superuser password 'rap'\""
as_root su postgres -c "psql -qtAc \"select 1 from pg_database where datname='rap_test'\"" | grep -q 1 \
  || as_root su postgres -c "createdb -O rap rap_test"

fi

# Docker: dockerd without a bridge network (job and build containers get no route to private ranges).
if ! docker info >/dev/null 2>&1; then
  log "starting dockerd"
  as_root sh -c 'nohup dockerd --bridge=none --iptables=false >/var/log/rap-dockerd.log 2>&1 &'
  for i in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
  docker info >/dev/null 2>&1 || { log "dockerd did not start; see /var/log/rap-dockerd.log"; exit 1; }
fi

# Local test images (no registry is reachable).
"$here/build-test-images.sh"
log "services ready"
