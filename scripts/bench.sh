#!/bin/sh
# `make bench`: every benchmark in one run, output also saved under bench-results/.
# Needs PostgreSQL and Docker (scripts/ensure-services.sh).
set -e
cd "$(dirname "$0")/.."
mkdir -p bench-results
out="bench-results/bench-$(date -u +%Y%m%dT%H%M%SZ).txt"
mvn -B -q clean package -DskipTests
mvn -B -q test-compile dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test
CP="target/test-classes:target/classes:$(cat target/test-classpath.txt)"
run() { echo "=== $*"; java -Drap.shared.dir="$(pwd)/../shared" -cp "$CP" "$@" 2>/dev/null; }
{
  run org.rap.bench.SchedulerPassBench postgresql 10000
  run org.rap.bench.LongPollBench postgresql 200
  run org.rap.bench.RapApiBench sqlite 15
  run org.rap.bench.PlannerBench
  run org.rap.bench.LocalRunBench 5
  run -Drap.jar=target/rap.jar org.rap.it.SystemBench 5
} | tee "$out"
echo "saved to $out"
