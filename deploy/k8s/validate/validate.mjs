// Offline validation of the Kubernetes manifests in a directory (default: deploy/k8s).
//
// 1. Schema: every document is validated against the Kubernetes OpenAPI schema of its
//    apiVersion/kind (npm package kubernetes-models: JSON schemas compiled with ajv; types,
//    required fields, enums, formats). Unknown kinds are errors. Those schemas accept unknown
//    fields, so field names are also checked against the models' type declarations (strict).
// 2. Consistency (what a schema cannot see): kustomization resources exist and cover every
//    manifest; selectors match pod labels; Services select a workload and target a named port;
//    probes use declared ports; ConfigMaps/Secrets referenced by pods exist; volume mounts name
//    declared volumes; RAP_CONFIG_DIRS mounts exist; CONTROLLER_PORT/AGENT_PORT agree with the
//    container port; liveness and readiness probes hit /health/live and /health/ready; service
//    accounts and RoleBindings refer to defined objects; an agent with EXECUTOR=kubernetes mounts
//    its ReadWriteMany K8S_STORAGE_CLAIM at K8S_STORAGE_MOUNT (holding the storage), may manage
//    Jobs, read pods and logs, create and delete (run) Secrets, and job pods are
//    denied all traffic by a NetworkPolicy (only database jobs may be allowed more).
//
// Usage: node validate.mjs [DIR]   (exit 1 and one line per problem on failure)
import fs from "node:fs";
import path from "node:path";
import { parseAllDocuments } from "yaml";

const dir = path.resolve(process.argv[2] ?? "deploy/k8s");
const problems = [];
const problem = (where, msg) => problems.push(`${where}: ${msg}`);

const files = fs
  .readdirSync(dir)
  .filter((f) => /\.ya?ml$/.test(f))
  .sort();
const objects = []; // {file, doc}
let kustomization = null;
for (const file of files) {
  const text = fs.readFileSync(path.join(dir, file), "utf8");
  // kubectl reads YAML 1.1 (e.g. 0440 is octal)
  const docs = parseAllDocuments(text, { version: "1.1", uniqueKeys: true });
  docs.forEach((d, i) => {
    for (const e of d.errors) problem(`${file}#${i + 1}`, `YAML: ${e.message}`);
    const doc = d.toJS();
    if (doc == null) return;
    if (doc.kind === "Kustomization") kustomization = { file, doc };
    else objects.push({ file, doc, where: `${file}: ${doc.kind ?? "?"}/${doc.metadata?.name ?? "?"}` });
  });
}

// --- 1. schema ----------------------------------------------------------------------------------
async function modelFor(apiVersion, kind) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : [null, apiVersion];
  const modulePath = group ? `kubernetes-models/${group}/${version}/${kind}` : `kubernetes-models/${version}/${kind}`;
  try {
    return (await import(modulePath))[kind];
  } catch {
    return null;
  }
}
for (const o of objects) {
  const { doc, where } = o;
  if (typeof doc.apiVersion !== "string" || typeof doc.kind !== "string") {
    problem(where, "apiVersion and kind are required");
    continue;
  }
  const Model = await modelFor(doc.apiVersion, doc.kind);
  if (!Model) {
    problem(where, `unknown apiVersion/kind ${doc.apiVersion}/${doc.kind}`);
    continue;
  }
  try {
    new Model(doc).validate();
  } catch (e) {
    problem(where, `schema: ${e.message}`);
  }
  if (!doc.metadata?.name) problem(where, "metadata.name is required");
}

// --- 1b. unknown fields (the schemas allow additional properties) ---------------------------------
// Field names come from the models' TypeScript declarations (one interface per .d.ts file, field
// types naming the imported interfaces); a key not declared there is a typo or a wrong level.
const modulesDir = path.join(path.dirname(new URL(import.meta.url).pathname), "node_modules");
const interfaces = new Map(); // d.ts file -> Map(field -> {file, array} | null) or null
function parseInterface(file) {
  if (interfaces.has(file)) return interfaces.get(file);
  let result = null;
  if (fs.existsSync(file)) {
    const text = fs.readFileSync(file, "utf8");
    const imports = new Map();
    for (const m of text.matchAll(/^import \{ (\w+) \} from "([^"]+)";/gm)) {
      const spec = m[2].replace(/\.js$/, "");
      imports.set(m[1], spec.startsWith(".") ? path.resolve(path.dirname(file), spec) + ".d.ts" : path.join(modulesDir, spec) + ".d.ts");
    }
    const body = text.match(/^export interface \w+(?: extends [\w, ]+)? \{\n([\s\S]*?)^\}/m);
    if (body) {
      result = new Map();
      for (const m of body[1].matchAll(/^ {4}"([^"]+)"\??: (.*)$/gm)) {
        const type = m[2];
        const ref = type.match(/^(Array<)?(IIoK8s\w+)>?;$/);
        result.set(m[1], ref && imports.has(ref[2]) ? { file: imports.get(ref[2]), array: !!ref[1] } : null);
      }
    }
  }
  interfaces.set(file, result);
  return result;
}
function checkFields(value, file, where) {
  const fields = parseInterface(file);
  if (!fields || value === null || typeof value !== "object" || Array.isArray(value)) return;
  for (const [key, v] of Object.entries(value)) {
    if (!fields.has(key)) {
      problem(where, `unknown field "${key}" (allowed: ${[...fields.keys()].join(", ")})`);
      continue;
    }
    const ref = fields.get(key);
    if (!ref) continue;
    if (ref.array && Array.isArray(v)) v.forEach((item, i) => checkFields(item, ref.file, `${where}.${key}[${i}]`));
    else if (!ref.array) checkFields(v, ref.file, `${where}.${key}`);
  }
}
for (const o of objects) {
  const { doc, where } = o;
  if (typeof doc.apiVersion !== "string" || typeof doc.kind !== "string") continue;
  const [group, version] = doc.apiVersion.includes("/") ? doc.apiVersion.split("/") : [null, doc.apiVersion];
  const file = path.join(modulesDir, "kubernetes-models", ...(group ? [group] : []), version, `${doc.kind}.d.ts`);
  if (!parseInterface(file)) continue; // unknown kinds are reported above
  checkFields(doc, file, where);
}

// --- 2. consistency -----------------------------------------------------------------------------
if (!kustomization) {
  problem(dir, "no kustomization.yaml");
} else {
  const listed = kustomization.doc.resources ?? [];
  for (const r of listed) if (!fs.existsSync(path.join(dir, r))) problem(kustomization.file, `resource ${r} does not exist`);
  for (const f of new Set(objects.map((o) => o.file)))
    if (!listed.includes(f)) problem(kustomization.file, `${f} is not listed in resources`);
}

const byKind = (k) => objects.filter((o) => o.doc.kind === k);
const names = (k) => new Set(byKind(k).map((o) => o.doc.metadata?.name));
const configMaps = names("ConfigMap");
const secrets = names("Secret");
const configData = new Map(
  [...byKind("ConfigMap"), ...byKind("Secret")].map((o) => [
    `${o.doc.kind}/${o.doc.metadata?.name}`,
    { ...(o.doc.data ?? {}), ...(o.doc.stringData ?? {}) },
  ]),
);
const subset = (small = {}, big = {}) => Object.entries(small).every(([k, v]) => big[k] === v);

const workloads = [];
const kubernetesAgents = []; // agents with EXECUTOR=kubernetes, checked in 2b
for (const o of objects) {
  const { doc, where } = o;
  const template = ["Deployment", "StatefulSet", "DaemonSet", "Job"].includes(doc.kind)
    ? doc.spec?.template
    : doc.kind === "CronJob" ? doc.spec?.jobTemplate?.spec?.template : null;
  if (!template) continue;
  const podLabels = template.metadata?.labels ?? {};
  workloads.push({ where, podLabels, template });
  if (!["Job", "CronJob"].includes(doc.kind)) {
    const sel = doc.spec?.selector?.matchLabels;
    if (!sel || !subset(sel, podLabels)) problem(where, "spec.selector.matchLabels does not match the pod template labels");
  }
  const pod = template.spec ?? {};
  const volumes = new Map((pod.volumes ?? []).map((v) => [v.name, v]));
  for (const v of volumes.values()) {
    if (v.configMap && !configMaps.has(v.configMap.name)) problem(where, `volume ${v.name}: ConfigMap ${v.configMap.name} is not defined`);
    if (v.secret && !secrets.has(v.secret.secretName)) problem(where, `volume ${v.name}: Secret ${v.secret.secretName} is not defined`);
    if (v.persistentVolumeClaim && !names("PersistentVolumeClaim").has(v.persistentVolumeClaim.claimName))
      problem(where, `volume ${v.name}: PersistentVolumeClaim ${v.persistentVolumeClaim.claimName} is not defined`);
  }
  for (const c of [...(pod.initContainers ?? []), ...(pod.containers ?? [])]) {
    const cw = `${where} container ${c.name}`;
    const mounts = new Map((c.volumeMounts ?? []).map((m) => [m.mountPath, m]));
    for (const m of c.volumeMounts ?? []) if (!volumes.has(m.name)) problem(cw, `volumeMount ${m.name} names no volume`);
    for (const ef of c.envFrom ?? []) {
      if (ef.configMapRef && !configMaps.has(ef.configMapRef.name)) problem(cw, `envFrom ConfigMap ${ef.configMapRef.name} is not defined`);
      if (ef.secretRef && !secrets.has(ef.secretRef.name)) problem(cw, `envFrom Secret ${ef.secretRef.name} is not defined`);
    }
    const env = Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value]));
    // the configuration RAP will see: the mounted directories of RAP_CONFIG_DIRS, then env
    const config = {};
    for (const d of (env.RAP_CONFIG_DIRS ?? "").split(",").map((s) => s.trim()).filter(Boolean)) {
      const m = mounts.get(d);
      if (!m) {
        problem(cw, `RAP_CONFIG_DIRS names ${d}, which is not mounted`);
        continue;
      }
      const v = volumes.get(m.name);
      const key = v?.configMap ? `ConfigMap/${v.configMap.name}` : v?.secret ? `Secret/${v.secret.secretName}` : null;
      if (!key) problem(cw, `RAP_CONFIG_DIRS directory ${d} is not a ConfigMap or Secret volume`);
      else Object.assign(config, configData.get(key) ?? {});
    }
    Object.assign(config, env);
    const ports = new Map((c.ports ?? []).map((p) => [p.name, p.containerPort]));
    const portNumbers = new Set((c.ports ?? []).map((p) => p.containerPort));
    const args = (c.args ?? []).join(" ");
    const role = /\bagent\b/.test(args) ? "agent" : /\b(controller|all)\b/.test(args) ? "controller" : null;
    if (role) {
      const key = role === "agent" ? "AGENT_PORT" : "CONTROLLER_PORT";
      const configured = Number(config[key] ?? (role === "agent" ? 3001 : 3000));
      if (!portNumbers.has(configured)) problem(cw, `${key} is ${configured} but the container declares ports ${[...portNumbers].join(", ") || "none"}`);
      for (const [probeName, wanted] of [["livenessProbe", "/health/live"], ["readinessProbe", "/health/ready"]]) {
        const probe = c[probeName];
        if (!probe?.httpGet) problem(cw, `${probeName} (httpGet ${wanted}) is missing`);
        else if (probe.httpGet.path !== wanted) problem(cw, `${probeName} path is ${probe.httpGet.path}, expected ${wanted}`);
      }
      if (role === "agent" && config.BACKENDS && config.BACKEND && !config.BACKENDS.split(",").map((s) => s.trim()).includes(config.BACKEND))
        problem(cw, `BACKEND ${config.BACKEND} is not in BACKENDS ${config.BACKENDS}`);
      if (role === "agent" && config.CONTROLLER_TASK_API_ENDPOINT && !/^https?:\/\/.+\/$/.test(config.CONTROLLER_TASK_API_ENDPOINT))
        problem(cw, "CONTROLLER_TASK_API_ENDPOINT must be an http(s) URL ending with '/'");
      if (role === "agent" && config.EXECUTOR === "kubernetes") kubernetesAgents.push({ cw, pod, container: c, config });
    }
    for (const probeName of ["startupProbe", "livenessProbe", "readinessProbe"]) {
      const port = c[probeName]?.httpGet?.port;
      if (port === undefined) continue;
      if (typeof port === "string" ? !ports.has(port) : !portNumbers.has(port))
        problem(cw, `${probeName} port ${port} is not a declared container port`);
    }
  }
}

// --- 2b. identities and the Kubernetes executor ---------------------------------------------------
for (const w of workloads) {
  const sa = w.template.spec?.serviceAccountName;
  if (sa && sa !== "default" && !names("ServiceAccount").has(sa)) problem(w.where, `serviceAccountName ${sa} is not defined`);
}
for (const o of byKind("RoleBinding")) {
  const ref = o.doc.roleRef ?? {};
  if (ref.kind === "Role" && !names("Role").has(ref.name)) problem(o.where, `roleRef Role ${ref.name} is not defined`);
  for (const s of o.doc.subjects ?? [])
    if (s.kind === "ServiceAccount" && !names("ServiceAccount").has(s.name)) problem(o.where, `subject ServiceAccount ${s.name} is not defined`);
}
// the Role bound to a service account, by name
function rolesOf(serviceAccount) {
  const bound = byKind("RoleBinding")
    .filter((b) => (b.doc.subjects ?? []).some((s) => s.kind === "ServiceAccount" && s.name === serviceAccount))
    .map((b) => b.doc.roleRef?.name);
  return byKind("Role").filter((r) => bound.includes(r.doc.metadata?.name));
}
const allows = (roles, group, resource, verb) =>
  roles.some((r) =>
    (r.doc.rules ?? []).some(
      (rule) => (rule.apiGroups ?? []).includes(group) && (rule.resources ?? []).includes(resource) && (rule.verbs ?? []).includes(verb),
    ),
  );
// The labels every job pod carries (KubernetesJobSpec) and those of a real backend's database jobs.
const JOB_POD = { "app.kubernetes.io/component": "job", "app.kubernetes.io/managed-by": "rap-agent" };
const DB_JOB_POD = { ...JOB_POD, "rap.opensafely.org/database-access": "true" };
function checkKubernetesAgent(cw, pod, container, config) {
  const claim = config.K8S_STORAGE_CLAIM;
  const pvc = byKind("PersistentVolumeClaim").find((o) => o.doc.metadata?.name === claim);
  if (!claim) problem(cw, "EXECUTOR=kubernetes needs K8S_STORAGE_CLAIM");
  else if (!pvc) problem(cw, `K8S_STORAGE_CLAIM ${claim} is not a PersistentVolumeClaim defined here`);
  else if (!(pvc.doc.spec?.accessModes ?? []).includes("ReadWriteMany"))
    problem(pvc.where, "the job storage claim must be ReadWriteMany (the agent and every job pod mount it)");
  const claimVolume = (pod.volumes ?? []).find((v) => v.persistentVolumeClaim?.claimName === claim);
  if (claim && !claimVolume) problem(cw, `the agent does not mount K8S_STORAGE_CLAIM ${claim}`);
  // job pods mount their volume by its path relative to K8S_STORAGE_MOUNT: the claim's mount point
  const mount = config.K8S_STORAGE_MOUNT?.replace(/\/+$/, "");
  const mountedAt = (container.volumeMounts ?? []).find((m) => m.name === claimVolume?.name)?.mountPath?.replace(/\/+$/, "");
  if (!mount) problem(cw, "EXECUTOR=kubernetes needs K8S_STORAGE_MOUNT (where the agent mounts K8S_STORAGE_CLAIM)");
  else if (claimVolume && mount !== mountedAt)
    problem(cw, `K8S_STORAGE_MOUNT ${mount} is not where the agent mounts K8S_STORAGE_CLAIM (${mountedAt ?? "nowhere"})`);
  for (const key of ["HIGH_PRIVACY_VOLUME_DIR", "HIGH_PRIVACY_STORAGE_BASE", "MEDIUM_PRIVACY_STORAGE_BASE"])
    if (mount && config[key] && !config[key].startsWith(mount + "/"))
      problem(cw, `${key} ${config[key]} is not on the storage claim (inside K8S_STORAGE_MOUNT ${mount})`);
  const roles = rolesOf(pod.serviceAccountName ?? "default");
  for (const [group, resource, verbs] of [
    ["batch", "jobs", ["create", "get", "list", "watch", "delete"]],
    ["", "pods", ["get", "list", "watch"]],
    ["", "pods/log", ["get"]],
    ["", "secrets", ["create", "delete"]],
  ])
    for (const verb of verbs)
      if (!allows(roles, group, resource, verb)) problem(cw, `its service account may not ${verb} ${resource}`);
  if (pod.automountServiceAccountToken === false) problem(cw, "the agent needs its service account token to reach the API server");
  const policies = byKind("NetworkPolicy");
  const selects = (np, labels) => subset(np.doc.spec?.podSelector?.matchLabels ?? {}, labels);
  const denyAll = policies.some(
    (np) =>
      selects(np, JOB_POD) &&
      ["Ingress", "Egress"].every((t) => (np.doc.spec?.policyTypes ?? []).includes(t)) &&
      !(np.doc.spec?.ingress ?? []).length &&
      !(np.doc.spec?.egress ?? []).length,
  );
  if (!denyAll) problem(cw, "no NetworkPolicy denies job pods all traffic (Ingress and Egress, no rules)");
  for (const np of policies.filter((np) => selects(np, JOB_POD) && ((np.doc.spec?.ingress ?? []).length || (np.doc.spec?.egress ?? []).length)))
    if (!subset(DB_JOB_POD, { ...JOB_POD, ...(np.doc.spec?.podSelector?.matchLabels ?? {}) }) || !np.doc.spec?.podSelector?.matchLabels?.["rap.opensafely.org/database-access"])
      problem(np.where, "a NetworkPolicy that allows traffic must select database jobs only (rap.opensafely.org/database-access: \"true\")");
}
for (const a of kubernetesAgents) checkKubernetesAgent(a.cw, a.pod, a.container, a.config);

for (const o of byKind("Service")) {
  const sel = o.doc.spec?.selector ?? {};
  const targets = workloads.filter((w) => Object.keys(sel).length > 0 && subset(sel, w.podLabels));
  if (targets.length === 0) {
    problem(o.where, "selector matches no workload");
    continue;
  }
  for (const p of o.doc.spec?.ports ?? []) {
    const t = p.targetPort ?? p.port;
    const ok = targets.some((w) =>
      (w.template.spec?.containers ?? []).some((c) =>
        (c.ports ?? []).some((cp) => (typeof t === "string" ? cp.name === t : cp.containerPort === t)),
      ),
    );
    if (!ok) problem(o.where, `targetPort ${t} is not a port of the selected pods`);
  }
}
for (const o of byKind("PodDisruptionBudget")) {
  const sel = o.doc.spec?.selector?.matchLabels ?? {};
  if (!workloads.some((w) => subset(sel, w.podLabels))) problem(o.where, "selector matches no workload");
}

if (problems.length) {
  for (const p of problems) console.error(`INVALID ${p}`);
  console.error(`k8s manifests in ${dir}: ${problems.length} problem(s)`);
  process.exit(1);
}
console.log(`k8s manifests in ${dir}: ${objects.length} objects valid (schema and consistency)`);
