#!/bin/sh
# HEALTHCHECK of the RAP image: GET /health/ready of the role the entry point started.
# The port comes from HEALTHCHECK_PORT, else CONTROLLER_PORT (controller, all; default 3000) or
# AGENT_PORT (agent; default 3001) in the container's environment. Set HEALTHCHECK_PORT when the
# port is configured in a file instead (RAP_CONFIG, RAP_CONFIG_DIRS).
role=$(cat /tmp/rap-role 2>/dev/null) || { echo "no RAP service runs in this container"; exit 1; }
case "$role" in
  agent) port=${HEALTHCHECK_PORT:-${AGENT_PORT:-3001}} ;;
  *) port=${HEALTHCHECK_PORT:-${CONTROLLER_PORT:-3000}} ;;
esac
if [ -n "${TLS_CERT_FILE:-}" ]; then
  # the listener speaks only TLS, with a certificate for the service's public names, not for
  # 127.0.0.1: this loopback probe sends nothing secret and reads only the readiness answer
  exec curl -fsS --max-time 4 --insecure "https://127.0.0.1:$port/health/ready"
fi
exec curl -fsS --max-time 4 "http://127.0.0.1:$port/health/ready"
