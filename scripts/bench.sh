#!/bin/sh
# `make bench`: every benchmark in one run, then a summary table of the figures
# (targets, PASS/FAIL) written also as JSON to target/bench.json. Raw output is kept under
# bench-results/. Needs PostgreSQL and Docker (scripts/ensure-services.sh) and takes several
# minutes; figures are noisy on a shared machine (the load average is recorded).
set -e
cd "$(dirname "$0")/.."
mkdir -p bench-results
out="bench-results/bench-$(date -u +%Y%m%dT%H%M%SZ).txt"
mvn -B -q clean package -DskipTests
mvn -B -q test-compile dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test
CP="target/test-classes:target/classes:$(cat target/test-classpath.txt)"
commit="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then commit="$commit-dirty"; fi
err="${out%.txt}.stderr.txt"
# each bench's log lines go to $err; a bench that fails or hangs (bounded by BENCH_TIMEOUT
# seconds) is reported and the others still run: its figures show as missing in the summary
run() {
  echo "=== $*"
  echo "=== $*" >>"$err"
  rc=0
  timeout "${BENCH_TIMEOUT:-900}" java -cp "$CP" "$@" 2>>"$err" || rc=$?
  if [ "$rc" != 0 ]; then
    echo "=== FAILED (exit $rc$([ "$rc" = 124 ] && echo ', timed out')): $* -- see $err"
  fi
}
{
  echo "=== machine: $(nproc) cores, $(uptime | sed 's/.*load/load/'), commit $commit"
  run org.rap.bench.SchedulerPassBench postgresql 10000
  run org.rap.bench.SchedulerPassBench postgresql 100000
  run org.rap.bench.LongPollBench postgresql 200
  run org.rap.bench.RapApiBench sqlite 10
  run org.rap.bench.RapApiBench postgresql 10
  run org.rap.bench.PlannerBench
  run org.rap.bench.LocalRunBench 7
  run -Drap.jar=target/rap.jar org.rap.it.SystemBench 20 30
  # three agents on the one engine and a controller on PostgreSQL, after three rounds of
  # warm-up jobs (services run warm: after one round the controller's JIT is still compiling)
  run -Drap.jar=target/rap.jar org.rap.bench.FleetBench \
    "${FLEET_JOBS:-200}" "${FLEET_AGENTS:-3}" "${FLEET_WORKERS:-4}" "${FLEET_WARMUP:-600}"
} | tee "$out"
# last: `mvn clean` above would delete it
java -Dbench.commit="$commit" -cp "$CP" org.rap.bench.BenchReport "$out" target/bench.json | tee -a "$out"
echo "saved to $out (bench logs: $err)"
