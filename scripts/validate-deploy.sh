#!/usr/bin/env bash
# Offline checks of the deployment files (CI runs it; no cluster, no registry needed):
#   1. docker/compose.yaml: `docker-compose config` (Debian's docker-compose, installed if missing)
#   2. docker/env.sample names every configuration key the Java code reads
#   3. deploy/k8s and deploy/k8s/agent-kubernetes: Kubernetes schemas, unknown fields, consistency
#      (deploy/k8s/validate, npm kubernetes-models, installed into deploy/k8s/validate/node_modules
#      when missing), then a self-test: broken copies of the manifests must be rejected
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
log() { echo "[validate-deploy] $*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
cd "$root"

# --- 1. compose ---------------------------------------------------------------------------------
compose=()
if docker compose version >/dev/null 2>&1; then
  compose=(docker compose)
elif command -v docker-compose >/dev/null 2>&1; then
  compose=(docker-compose)
else
  log "installing docker-compose (Debian)"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq docker-compose >/dev/null
  compose=(docker-compose)
fi
(cd docker && RAP_CONTROLLER_ENV_FILE=env.sample RAP_AGENT_ENV_FILE=env.sample \
  "${compose[@]}" --env-file env.sample -f compose.yaml config -q)
services=$(cd docker && RAP_CONTROLLER_ENV_FILE=env.sample RAP_AGENT_ENV_FILE=env.sample \
  "${compose[@]}" --env-file env.sample -f compose.yaml config --services | sort | tr '\n' ' ')
[ "$services" = "agent agent-storage controller db migrate " ] || { log "unexpected compose services: $services"; exit 1; }
# self-test: a broken copy must be rejected
cbroken=$(mktemp -d)
cp docker/compose.yaml docker/env.sample "$cbroken/"
sed -i 's/stop_grace_period:/stop_grace_perod:/' "$cbroken/compose.yaml"
if (cd "$cbroken" && RAP_CONTROLLER_ENV_FILE=env.sample RAP_AGENT_ENV_FILE=env.sample \
      "${compose[@]}" --env-file env.sample -f compose.yaml config -q) >/dev/null 2>&1; then
  rm -rf "$cbroken"; log "self-test FAILED: ${compose[*]} accepted a misspelt option"; exit 1
fi
rm -rf "$cbroken"
log "ok: docker/compose.yaml is valid (${compose[*]}; services: $services); a misspelt option is rejected"

# --- 2. env.sample covers every key the code reads -------------------------------------------------
missing=()
keys=$(grep -rhoE '\.(get|raw|string|integer|longValue|decimal|flag|list|absolutePath|memory|required)\("[A-Z][A-Z0-9_]+"' src/main/java \
  | sed -E 's/.*\("//; s/"$//' | sort -u)
keys+=$'\n'"$(grep -rhoE 'getenv\("[A-Z][A-Z0-9_]+"\)' src/main/java | sed -E 's/.*\("//; s/"\)$//' | sort -u)"
for k in $keys; do
  case "$k" in PATH|HOME|USER|TMPDIR) continue ;; esac # the process environment, not configuration
  grep -qE "(^|[# ])$k=" docker/env.sample || missing+=("$k")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "docker/env.sample does not document: ${missing[*]}"
  exit 1
fi
log "ok: docker/env.sample documents all $(echo "$keys" | grep -c .) keys the code reads"

# --- 3. Kubernetes manifests ------------------------------------------------------------------------
validator=deploy/k8s/validate
if ! command -v node >/dev/null 2>&1; then
  log "installing nodejs (Debian)"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq nodejs npm >/dev/null
fi
if [ ! -f "$validator/node_modules/kubernetes-models/package.json" ] || [ ! -f "$validator/node_modules/yaml/package.json" ]; then
  log "installing the manifest validator (npm: kubernetes-models, yaml)"
  (cd "$validator" && npm install --no-audit --no-fund --no-package-lock --loglevel=error >/dev/null 2>&1) \
    || { log "npm install failed in $validator"; exit 1; }
fi
node "$validator/validate.mjs" deploy/k8s >&2
node "$validator/validate.mjs" deploy/k8s/agent-kubernetes >&2

# self-test: the validator must reject broken manifests
broken=$(mktemp -d)
trap 'rm -rf "$broken"' EXIT
manifests=deploy/k8s
check_rejects() { # description sed-expression file (in $manifests)
  rm -f "$broken"/*.yaml
  cp "$manifests"/*.yaml "$broken/"
  sed -i "$2" "$broken/$3"
  if cmp -s "$manifests/$3" "$broken/$3"; then log "self-test '$1': the edit changed nothing"; exit 1; fi
  if node "$validator/validate.mjs" "$broken" >/dev/null 2>&1; then
    log "self-test FAILED: the validator accepted manifests with $1"; exit 1
  fi
}
check_rejects "replicas: two" 's/replicas: 2/replicas: two/' controller.yaml
check_rejects "a bad restartPolicy" 's/restartPolicy: Never/restartPolicy: Sometimes/' migrate-job.yaml
check_rejects "a probe on a wrong path" 's|path: /health/ready|path: /ready|' controller.yaml
check_rejects "a missing ConfigMap" 's/name: rap-agent-config/name: rap-agent-cfg/' config.yaml
check_rejects "CONTROLLER_PORT differing from the container port" 's/CONTROLLER_PORT: "3000"/CONTROLLER_PORT: "8080"/' config.yaml
check_rejects "a Service selecting nothing" "/^kind: Service/,/^---/ s/component: controller\$/component: controler/" controller.yaml
check_rejects "a misspelt field" 's/readOnlyRootFilesystem/readOnlyRootFileSystem/' controller.yaml
check_rejects "a misspelt top-level field" 's/^stringData:/stringdata:/' config.yaml
manifests=deploy/k8s/agent-kubernetes
check_rejects "a claim that is not ReadWriteMany" 's/\["ReadWriteMany"\]/["ReadWriteOnce"]/' storage.yaml
check_rejects "a storage claim the agent does not mount" 's/claimName: rap-storage/claimName: other/' agent.yaml
check_rejects "a Role that cannot create Jobs" 's/verbs: \["create", "get", "list", "watch", "delete"\]/verbs: ["get", "list", "watch", "delete"]/' rbac.yaml
check_rejects "no access to pod logs" 's|resources: \["pods/log"\]|resources: ["pods/status"]|' rbac.yaml
check_rejects "a RoleBinding to an unknown Role" '/^roleRef:/,/^subjects:/ s/name: rap-agent-kubernetes/name: rap-agent/' rbac.yaml
check_rejects "an unknown service account" 's/serviceAccountName: rap-agent-kubernetes/serviceAccountName: rap-agent/' agent.yaml
check_rejects "job pods not denied all traffic" 's/policyTypes: \["Ingress", "Egress"\]/policyTypes: ["Ingress"]/' network-policies.yaml
check_rejects "traffic allowed to every job pod" '/rap.opensafely.org\/database-access: "true"/d' network-policies.yaml
check_rejects "no K8S_STORAGE_CLAIM" '/K8S_STORAGE_CLAIM/d' config.yaml
check_rejects "K8S_STORAGE_MOUNT not where the claim is mounted" 's|K8S_STORAGE_MOUNT: "/storage"|K8S_STORAGE_MOUNT: "/data"|' config.yaml
check_rejects "job volumes off the claim" 's|HIGH_PRIVACY_VOLUME_DIR: "/storage/high_privacy/volumes"|HIGH_PRIVACY_VOLUME_DIR: "/var/lib/rap/volumes"|' config.yaml
check_rejects "a Role that cannot create run Secrets" 's/resources: \["secrets"\]/resources: ["configmaps"]/' rbac.yaml
log "ok: the validator rejects 20 kinds of broken manifests"
