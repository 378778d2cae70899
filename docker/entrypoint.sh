#!/bin/sh
# Entry point of the RAP image: `rap` with the image's JVM options.
#   controller | agent | all [ARGS]   run that role (same as --role=ROLE)
#   migrate | backup | pause | flags | add_job | ...   any rap subcommand (release step: migrate)
#   java ... | sh ...                 run that program instead (debugging)
# JAVA_OPTS adds JVM options (default: container-aware heap, exit on OutOfMemoryError).
set -e
case "${1:-}" in
  controller|agent|all) role=$1; shift; set -- "--role=$role" "$@" ;;
  java|sh|bash|curl) exec "$@" ;;
esac
# remember the role for the HEALTHCHECK (it runs in a separate `docker exec`, without this shell)
prev=
for arg in "$@"; do
  case "$arg" in
    --role=*) echo "${arg#--role=}" > /tmp/rap-role ;;
    *) [ "$prev" = "--role" ] && echo "$arg" > /tmp/rap-role ;;
  esac
  prev=$arg
done
# shellcheck disable=SC2086 # JAVA_OPTS is a list of options
exec java ${JAVA_OPTS:--XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError} -jar /app/rap.jar "$@"
