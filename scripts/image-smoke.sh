#!/usr/bin/env bash
# Image smoke test (CI runs it after `make test`): builds the stand-in base images (cached) and
# docker/Dockerfile, then checks the image the way a deployment uses it:
#   - metadata: OCI version label = pom version, non-root user, /storage volume, HEALTHCHECK
#   - the controller refuses to start on a database that was never migrated
#   - `migrate` (release step) on a fresh volume, then the controller on the embedded SQLite
#     database answers GET /health/ready with 200 and Docker's HEALTHCHECK reports healthy
#   - `migrate` again is idempotent while the controller runs
# Containers have no network except the host's (dockerd --bridge=none), so the controller runs
# with --network host on a free loopback port (CONTROLLER_HOST/CONTROLLER_PORT).
# Exits non-zero on the first failed check. Env: RAP_SMOKE_IMAGE=tag skips the build.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
log() { echo "[image-smoke] $*" >&2; }
started=$(date +%s)
checks=0
ok() { checks=$((checks + 1)); log "ok: $*"; }
fail() { log "FAILED: $*"; exit 1; }

"$here/ensure-services.sh" --docker-only >/dev/null

image=${RAP_SMOKE_IMAGE:-}
if [ -z "$image" ]; then
  image=rap:smoke
  "$here/build-image.sh" "$image" >/dev/null
fi

run_id=rap-smoke-$$
volume=$run_id-storage
containers=()
cleanup() {
  for c in "${containers[@]}"; do docker rm -f "$c" >/dev/null 2>&1 || true; done
  docker volume rm -f "$volume" "$volume-fresh" >/dev/null 2>&1 || true
}
trap cleanup EXIT

free_port() {
  local p
  for _ in $(seq 1 50); do
    p=$(( 20000 + RANDOM % 40000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
  fail "no free port found"
}

# --- metadata ---------------------------------------------------------------------------------
pom_version=$(sed -n 's:^  <version>\(.*\)</version>.*:\1:p' "$root/pom.xml" | head -1)
label=$(docker image inspect -f '{{index .Config.Labels "org.opencontainers.image.version"}}' "$image")
[ "$label" = "$pom_version" ] || fail "label org.opencontainers.image.version is '$label', pom says '$pom_version'"
ok "version label $label"
user=$(docker image inspect -f '{{.Config.User}}' "$image")
case "$user" in ""|root|0|0:*|root:*) fail "image runs as root (USER '$user')" ;; esac
ok "non-root user $user"
docker image inspect -f '{{json .Config.Volumes}}' "$image" | grep -q '"/storage"' || fail "no /storage volume"
docker image inspect -f '{{json .Config.Healthcheck.Test}}' "$image" | grep -q healthcheck || fail "no HEALTHCHECK"
ok "volume /storage and HEALTHCHECK declared"

# --- the controller refuses an unmigrated database (migrations are a release step) -------------
docker volume create "$volume-fresh" >/dev/null
set +e
out=$(timeout 120 docker run --rm --network host -e CONTROLLER_HOST=127.0.0.1 -e CONTROLLER_PORT="$(free_port)" \
  -v "$volume-fresh:/storage" "$image" controller 2>&1)
rc=$?
set -e
[ "$rc" != 0 ] && [ "$rc" != 124 ] || fail "controller started on an unmigrated database (rc $rc): $out"
echo "$out" | grep -q "migrate" || fail "controller failed on an unmigrated database without naming migrate: $out"
ok "controller refuses an unmigrated database (exit $rc: $(echo "$out" | tail -1))"

# --- release step, then the controller on SQLite -----------------------------------------------
docker volume create "$volume" >/dev/null
out=$(docker run --rm -v "$volume:/storage" "$image" migrate 2>&1) || fail "migrate failed: $out"
echo "$out" | grep -q "Migrated SQLite database /storage/db.sqlite" || fail "unexpected migrate output: $out"
ok "migrate: $out"

port=$(free_port)
name=$run_id-controller
containers+=("$name")
docker run -d --name "$name" --network host \
  -e CONTROLLER_HOST=127.0.0.1 -e CONTROLLER_PORT="$port" \
  --health-interval 2s --health-timeout 5s --health-retries 3 \
  -v "$volume:/storage" "$image" controller >/dev/null
status=
for _ in $(seq 1 90); do
  status=$(docker inspect -f '{{.State.Status}} {{.State.Health.Status}}' "$name")
  case "$status" in
    "running healthy") break ;;
    "running unhealthy") docker inspect -f '{{json .State.Health.Log}}' "$name" >&2; fail "HEALTHCHECK reports unhealthy" ;;
    exited*|dead*) docker logs "$name" 2>&1 | tail -20 >&2; fail "controller exited: $status" ;;
  esac
  sleep 1
done
[ "$status" = "running healthy" ] || { docker logs "$name" 2>&1 | tail -20 >&2; fail "HEALTHCHECK status after 90 s: $status"; }
ok "HEALTHCHECK reports healthy"
code=$(curl -s -o /tmp/$run_id.body -w '%{http_code}' "http://127.0.0.1:$port/health/ready")
[ "$code" = 200 ] || fail "/health/ready answered $code: $(cat /tmp/$run_id.body)"
grep -q '"role":"controller"' /tmp/$run_id.body || fail "/health/ready body: $(cat /tmp/$run_id.body)"
rm -f /tmp/$run_id.body
ok "GET /health/ready -> 200 {\"status\":\"UP\",\"role\":\"controller\"}"
uid=$(docker exec "$name" id -u)
[ "$uid" != 0 ] || fail "controller process runs as root"
ok "controller process runs as uid $uid"
docker logs "$name" 2>&1 | grep -q "holds the scheduler loop" || fail "the controller did not take the scheduler loop"
ok "controller holds the scheduler loop"

out=$(docker run --rm -v "$volume:/storage" "$image" migrate 2>&1) || fail "second migrate failed: $out"
echo "$out" | grep -q ": 0 migration(s) applied" || fail "second migrate was not a no-op: $out"
ok "migrate again (running controller): $out"

docker stop -t 20 "$name" >/dev/null
rc=$(docker inspect -f '{{.State.ExitCode}}' "$name")
[ "$rc" = 0 ] || fail "controller exit code after SIGTERM: $rc"
ok "graceful stop, exit 0"

log "image $image: all $checks checks passed in $(( $(date +%s) - started )) s"
