#!/bin/sh
# Scheduler and task-API benchmarks (plain main methods under src/test/java/org/rap/bench).
# Needs PostgreSQL (scripts/ensure-services.sh). Usage: scripts/bench-scheduler.sh [jobs] [rounds]
set -e
cd "$(dirname "$0")/.."
mvn -B -q test-compile dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test
CP="target/test-classes:target/classes:$(cat target/test-classpath.txt)"
java -cp "$CP" org.rap.bench.SchedulerPassBench postgresql "${1:-10000}"
java -cp "$CP" org.rap.bench.LongPollBench postgresql "${2:-200}"
