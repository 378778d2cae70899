#!/bin/sh
# Entry point of the RAP image: `rap` with the image's JVM options.
#   controller | agent | all [ARGS]   run that role (same as --role=ROLE)
#   migrate | backup | pause | flags | add_job | ...   any rap subcommand (release step: migrate)
#   java ... | sh ...                 run that program instead (debugging)
# JAVA_OPTS replaces the JVM options (default: container-aware heap, exit on OutOfMemoryError;
# for the agent role also the quick JIT compiler only, see docs/spec/configuration.md).
set -e
case "${1:-}" in
  controller|agent|all) role=$1; shift; set -- "--role=$role" "$@" ;;
  java|sh|bash|curl) exec "$@" ;;
esac
# remember the role for the HEALTHCHECK (it runs in a separate `docker exec`, without this shell)
prev=
role=
for arg in "$@"; do
  case "$arg" in
    --role=*) role=${arg#--role=} ;;
    *) [ "$prev" = "--role" ] && role=$arg ;;
  esac
  prev=$arg
done
[ -n "$role" ] && echo "$role" > /tmp/rap-role
defaults="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError"
# an agent only orchestrates containers and files their outputs: the optimising JIT compiler
# would spend more CPU compiling its code than it saves, CPU the jobs on its host need
[ "$role" = agent ] && defaults="$defaults -XX:TieredStopAtLevel=1"
# shellcheck disable=SC2086 # JAVA_OPTS is a list of options
exec java ${JAVA_OPTS:-$defaults} -jar /app/rap.jar "$@"
