#!/usr/bin/env bash
# Image smoke test (CI runs it after `make test`): builds the stand-in base images (cached) and
# docker/Dockerfile, then checks the image the way a deployment uses it:
#   - metadata: OCI version label = pom version, non-root user, /storage volume, HEALTHCHECK
#   - the JVM's collector and heap in the deployment's 1 GiB limit are those make bench uses
#   - the controller refuses to start on a database that was never migrated
#   - `migrate` (release step) on a fresh volume, then the controller on the embedded SQLite
#     database answers GET /health/ready with 200 and Docker's HEALTHCHECK reports healthy
#   - `migrate` again is idempotent while the controller runs
#   - an agent container (Docker socket, storage from a host directory with DOCKER_HOST_VOLUME_DIR)
#     runs the demo study's three actions through the controller container to "Completed successfully"
#   - two controller containers on PostgreSQL (RAP_TEST_PG_URL): one holds the scheduler loop, the
#     other is a ready standby; SIGTERM to the holder hands the loop to the standby
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
work=$(mktemp -d /tmp/rap-smoke.XXXXXX)
cleanup() {
  for c in "${containers[@]}"; do docker rm -f "$c" >/dev/null 2>&1 || true; done
  docker volume rm -f "$volume" "$volume-fresh" >/dev/null 2>&1 || true
  [ -n "${pg_db:-}" ] && psql "$pg_admin" -qtAc "drop database if exists $pg_db" >/dev/null 2>&1 || true
  # job outputs belong to uid 10001: remove them from a container when not root
  rm -rf "$work" 2>/dev/null || { docker run --rm --user 0:0 --entrypoint sh -v "$work:/w" "$image" -c 'rm -rf /w/*' >/dev/null 2>&1; rm -rf "$work"; } || true
}
trap cleanup EXIT

wait_log() { # container text half-seconds
  for _ in $(seq 1 "$3"); do
    docker logs "$1" 2>&1 | grep -q "$2" && return 0
    sleep 0.5
  done
  docker logs "$1" 2>&1 | tail -10 >&2
  return 1
}
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

# --- JVM ergonomics in the deployment's memory limit (deploy/k8s: 1 GiB) ------------------------
# make bench (SystemBench.JVM_OPTIONS) reproduces them outside a container with
# -XX:MaxRAM=1g -XX:MaxRAMPercentage=75 -XX:+UseSerialGC: -XX:MaxRAM sizes the heap but does not
# change the JVM's choice of collector, which follows the container's limit
flags=$(docker run --rm --network none --memory 1g --entrypoint java "$image" \
  -XX:MaxRAMPercentage=75 -XX:+PrintFlagsFinal -version 2>/dev/null)
echo "$flags" | grep -Eq 'bool UseSerialGC += true' || fail "a 1 GiB container's JVM does not pick Serial GC (SystemBench assumes it)"
echo "$flags" | grep -Eq 'size_t MaxHeapSize += 805306368 ' || fail "a 1 GiB container's JVM heap is not 768 MiB (SystemBench assumes it)"
ok "1 GiB container: Serial GC, 768 MiB heap, as make bench runs the jars"

# a controller refuses guessable tokens and needs its host names: these pass
agent_token=smoke-task-token-0123456789abcdef0123
tokens=(-e BACKENDS=test -e TEST_JOB_SERVER_TOKEN=$agent_token -e TEST_CLIENT_TOKENS=smoke-rap-token-0123456789abcdef01234
  -e CONTROLLER_ALLOWED_HOSTS=localhost,127.0.0.1)

# --- the controller refuses an unmigrated database (migrations are a release step) -------------
docker volume create "$volume-fresh" >/dev/null
set +e
out=$(timeout 120 docker run --rm --network host "${tokens[@]}" -e CONTROLLER_HOST=127.0.0.1 -e CONTROLLER_PORT="$(free_port)" \
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
# the demo study as a local git repository, mounted at the same path in both containers
chmod 755 "$work"
cp -r "$root/examples/demo-study" "$work/repo"
git -C "$work/repo" init -q -b main
git -C "$work/repo" add -A
git -C "$work/repo" -c user.email=smoke@rap.invalid -c user.name=smoke commit -qm "demo study"
chmod -R a+rX "$work/repo"
study=(-e BACKENDS=test -e ALLOW_LOCAL_GIT_REPOS=true -e LOCAL_IMAGES_ONLY=true -e JOB_LOOP_INTERVAL=0.5 -v "$work/repo:$work/repo:ro")
docker run -d --name "$name" --network host "${study[@]}" \
  "${tokens[@]}" \
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
# the lock is taken after the HTTP server is ready: on a loaded machine the log line may follow
wait_log "$name" "holds the scheduler loop" 60 || fail "the controller did not take the scheduler loop"
ok "controller holds the scheduler loop"

out=$(docker exec "$name" rap backup 2>&1) || fail "rap backup in the controller container failed: $out"
echo "$out" | grep -q "/storage/backups/db.snapshot_" || fail "unexpected backup output: $out"
ok "online backup from the running controller: $out"

out=$(docker run --rm -v "$volume:/storage" "$image" migrate 2>&1) || fail "second migrate failed: $out"
echo "$out" | grep -q ": 0 migration(s) applied" || fail "second migrate was not a no-op: $out"
ok "migrate again (running controller): $out"

# --- an agent container runs the demo study ------------------------------------------------------
mkdir -p "$work/agent"
chown 10001:10001 "$work/agent" 2>/dev/null || chmod 777 "$work/agent"
agent=$run_id-agent
containers+=("$agent")
docker run -d --name "$agent" --network host "${study[@]}" \
  --group-add "$(stat -c %g /var/run/docker.sock)" -v /var/run/docker.sock:/var/run/docker.sock \
  -v "$work/agent:/storage" -e DOCKER_HOST_VOLUME_DIR="$work/agent/high_privacy/volumes" \
  -e BACKEND=test -e CONTROLLER_TASK_API_ENDPOINT="http://127.0.0.1:$port/" \
  -e CONTROLLER_TASK_API_TOKEN=$agent_token -e USING_DUMMY_DATA_BACKEND=true \
  -e AGENT_HOST=127.0.0.1 -e AGENT_PORT="$(free_port)" \
  --health-interval 2s --health-timeout 5s --health-retries 3 \
  "$image" agent >/dev/null
out=$(docker exec "$name" rap add_job "$work/repo" report --backend test 2>&1) || fail "add_job failed: $out"
echo "$out" | grep -q "Created 3 new jobs" || fail "add_job: $out"
report="$work/agent/medium_privacy/workspaces/test/output/report.md"
done_jobs=0
for _ in $(seq 1 120); do
  done_jobs=$(docker logs "$name" 2>&1 | grep -c "succeeded: Completed successfully" || true)
  [ "$done_jobs" -ge 3 ] && [ -s "$report" ] && break
  docker logs "$name" 2>&1 | grep -qE "StatusBook .*\): failed" && break
  sleep 1
done
if [ "$done_jobs" -lt 3 ] || [ ! -s "$report" ]; then
  docker logs "$agent" 2>&1 | tail -20 >&2
  docker logs "$name" 2>&1 | grep -E "StatusBook|WARN|SEVERE" | tail -10 >&2
  fail "the demo study did not complete in the containers ($done_jobs of 3 jobs succeeded)"
fi
grep -q "Demo study report" "$report" || fail "unexpected report: $(head -3 "$report")"
ok "agent container ran the demo study: 3 jobs Completed successfully, $report written (DOCKER_HOST_VOLUME_DIR bind mounts)"
for _ in $(seq 1 60); do
  status=$(docker inspect -f '{{.State.Health.Status}}' "$agent")
  [ "$status" = healthy ] && break
  sleep 1
done
[ "$status" = healthy ] || fail "agent HEALTHCHECK status: $status"
ok "agent HEALTHCHECK reports healthy (AGENT_PORT)"
docker stop -t 20 "$agent" >/dev/null
rc=$(docker inspect -f '{{.State.ExitCode}}' "$agent")
[ "$rc" = 0 ] || fail "agent exit code after SIGTERM: $rc"

docker stop -t 20 "$name" >/dev/null
rc=$(docker inspect -f '{{.State.ExitCode}}' "$name")
[ "$rc" = 0 ] || fail "controller exit code after SIGTERM: $rc"
ok "graceful stop, exit 0"

# --- two controllers on PostgreSQL: standby takes the loop over ------------------------------------
pg_admin=${RAP_TEST_PG_URL:-postgresql://rap:rap@localhost:5432/rap_test}
pg_db=rap_smoke_$$
psql "$pg_admin" -qtAc "create database $pg_db" >/dev/null || fail "cannot create database $pg_db on $pg_admin"
pg_url="${pg_admin%/*}/$pg_db"
pg_url=${pg_url/@localhost:/@127.0.0.1:}
out=$(docker run --rm --network host -e DATABASE_URL="$pg_url" "$image" migrate 2>&1) || fail "migrate on PostgreSQL failed: $out"
ok "migrate on PostgreSQL: $out"
start_controller() { # name port
  containers+=("$1")
  docker run -d --name "$1" --network host -e DATABASE_URL="$pg_url" "${tokens[@]}" \
    -e CONTROLLER_HOST=127.0.0.1 -e CONTROLLER_PORT="$2" \
    --health-interval 2s --health-timeout 5s --health-retries 3 "$image" controller >/dev/null
}
blue=$run_id-blue; green=$run_id-green
blue_port=$(free_port); start_controller "$blue" "$blue_port"
wait_log "$blue" "holds the scheduler loop" 120 || fail "$blue did not take the scheduler loop"
green_port=$(free_port); start_controller "$green" "$green_port"
wait_log "$green" "Another controller holds the scheduler loop" 120 || fail "$green did not become a standby"
for _ in $(seq 1 60); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$green_port/health/ready")" = 200 ] && break
  sleep 0.5
done
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$green_port/health/ready")" = 200 ] || fail "standby not ready"
ok "two controllers on PostgreSQL: $blue holds the loop, $green is a ready standby"
t0=$(date +%s%N)
docker stop -t 20 "$blue" >/dev/null
wait_log "$green" "holds the scheduler loop" 30 || fail "the standby did not take the loop over"
t1=$(date +%s%N)
[ "$(docker inspect -f '{{.State.ExitCode}}' "$blue")" = 0 ] || fail "$blue exit code after SIGTERM is not 0"
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$green_port/health/ready")" = 200 ] || fail "new holder not ready"
ok "SIGTERM to the holder: the standby took the loop over $(( (t1 - t0) / 1000000 )) ms after the stop began"
docker stop -t 20 "$green" >/dev/null

# --- backup and restore on PostgreSQL with the image's own client tools ----------------------------
out=$(docker run --rm --entrypoint sh "$image" -c 'pg_dump --version && pg_restore --version' 2>&1) \
  || fail "pg_dump/pg_restore missing from the image (PostgreSQL backups): $out"
server=$(psql "$pg_admin" -qtAc 'show server_version' | cut -d. -f1)
client=$(echo "$out" | head -1 | awk '{print $3}' | cut -d. -f1)
[ "$client" -ge "$server" ] || fail "the image's pg_dump $client is older than the server ($server)"
ok "PostgreSQL client tools $client in the image (server $server): $(echo "$out" | tr '\n' ' ')"
out=$(docker run --rm --network host -e DATABASE_URL="$pg_url" -e BACKENDS=test "$image" pause on test 2>&1) \
  || fail "pause on PostgreSQL failed: $out"
mkdir -p "$work/backups"
chmod 777 "$work/backups"
out=$(docker run --rm --network host -e DATABASE_URL="$pg_url" -e BACKENDS=test -e BACKUPS_PATH=/backups \
  -v "$work/backups:/backups" "$image" backup 2>&1) || fail "rap backup on PostgreSQL failed: $out"
dump=$(ls "$work"/backups/db.snapshot_*Z.pgdump 2>/dev/null | head -1)
[ -s "$dump" ] || fail "no pg_dump archive written: $out"
ok "rap backup with the image's pg_dump: $(basename "$dump") ($(stat -c %s "$dump") bytes)"
pg_restored=${pg_db}_restored
psql "$pg_admin" -qtAc "create database $pg_restored" >/dev/null || fail "cannot create $pg_restored"
restored_url="${pg_url%/*}/$pg_restored"
out=$(docker run --rm --network host -e DATABASE_URL="$restored_url" -e BACKENDS=test \
  -v "$work/backups:/backups:ro" "$image" restore -y "/backups/$(basename "$dump")" 2>&1) \
  || { psql "$pg_admin" -qtAc "drop database if exists $pg_restored" >/dev/null 2>&1; fail "rap restore with the image's pg_restore failed: $out"; }
flags=$(docker run --rm --network host -e DATABASE_URL="$restored_url" -e BACKENDS=test "$image" flags get paused --backend test 2>&1) || true
psql "$pg_admin" -qtAc "drop database if exists $pg_restored" >/dev/null 2>&1 || true
echo "$flags" | grep -q "^\[test\] paused=true" || fail "the restored database lacks the backed-up flag: $flags"
ok "rap restore with the image's pg_restore into a fresh database: $flags"

log "image $image: all $checks checks passed in $(( $(date +%s) - started )) s"
