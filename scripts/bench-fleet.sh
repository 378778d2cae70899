#!/bin/sh
# `make bench-fleet`: a simulated fleet of agents on one controller (FleetBench): the controller
# as its own process on PostgreSQL, AGENTS HTTP clients long-polling and reporting as named agents
# in another. Prints dispatch latency (p50/p99), the controller's peak RSS and failed requests,
# and PASS/FAIL against p99 < 100 ms, RSS < 512 MB, 0 errors. Needs PostgreSQL
# (scripts/ensure-services.sh). Raw output is kept under bench-results/.
set -e
cd "$(dirname "$0")/.."
mkdir -p bench-results
out="bench-results/bench-fleet-$(date -u +%Y%m%dT%H%M%SZ).txt"
mvn -B -q clean package -DskipTests
mvn -B -q test-compile dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test
CP="target/test-classes:target/classes:$(cat target/test-classpath.txt)"
{
  echo "=== machine: $(nproc) cores, $(uptime | sed 's/.*load/load/'), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  timeout "${BENCH_TIMEOUT:-900}" java -cp "$CP" -Drap.jar=target/rap.jar org.rap.bench.fleet.FleetBench \
    "${AGENTS:-1000}" "${TASKS:-600}" "${RATE:-20}"
} | tee "$out"
echo "saved to $out"
