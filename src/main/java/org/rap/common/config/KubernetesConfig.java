package org.rap.common.config;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.rap.common.text.KubernetesNames;

/**
 * The agent's Kubernetes settings (docs/spec/configuration.md section 4.1), validated once: where
 * the API server is, which namespace the job Jobs go to, where their pods may run, and the claim
 * that holds the job volumes.
 *
 * @param namespace {@code K8S_NAMESPACE}; empty: the agent's own namespace
 * @param kubeconfig {@code KUBECONFIG}; empty: in-cluster (the pod's service account)
 * @param nodeSelector labels a node must carry to run job pods
 * @param tolerations taints of those nodes that job pods tolerate
 * @param imagePullSecrets Secrets (in the namespace) used to pull job images
 * @param storageClaim the read-write-many PersistentVolumeClaim of the job volumes
 * @param storageMount where the agent has that claim mounted: a job volume's sub-path on the claim
 *     is its directory ({@code HIGH_PRIVACY_VOLUME_DIR/<job id>}) relative to this one
 * @param pendingTimeout how long a job pod may stay unscheduled or without its image
 * @param jobTtl how long a finished Job is kept when the agent does not delete it
 */
public record KubernetesConfig(
    Optional<String> namespace,
    Optional<Path> kubeconfig,
    Map<String, String> nodeSelector,
    List<Toleration> tolerations,
    List<String> imagePullSecrets,
    Optional<String> storageClaim,
    Optional<Path> storageMount,
    Duration pendingTimeout,
    Duration jobTtl) {

  /** The effects a taint (and so a toleration) can have. */
  public static final Set<String> EFFECTS = Set.of("NoSchedule", "PreferNoSchedule", "NoExecute");

  /**
   * One toleration, as the Kubernetes API spells it.
   *
   * @param key the taint key; empty with operator {@code Exists}: every taint
   * @param operator {@code Equal} or {@code Exists}
   * @param value the taint value ({@code Equal} only)
   * @param effect one of {@link #EFFECTS}, or empty for every effect
   * @param tolerationSeconds with {@code NoExecute}: how long the pod stays once tainted
   */
  public record Toleration(
      String key, String operator, String value, String effect, Optional<Long> tolerationSeconds) {}

  public KubernetesConfig {
    nodeSelector = Collections.unmodifiableMap(new LinkedHashMap<>(nodeSelector));
    tolerations = List.copyOf(tolerations);
    imagePullSecrets = List.copyOf(imagePullSecrets);
  }

  /** Defaults: nothing configured, for tests and for agents that do not use Kubernetes. */
  public static KubernetesConfig defaults() {
    return new KubernetesConfig(
        Optional.empty(),
        Optional.empty(),
        Map.of(),
        List.of(),
        List.of(),
        Optional.empty(),
        Optional.empty(),
        Duration.ofSeconds(1200),
        Duration.ofSeconds(604800));
  }

  /**
   * Reads and checks the {@code K8S_*} settings and {@code KUBECONFIG}; every malformed value is
   * reported as a problem naming its key.
   *
   * @param required the Kubernetes executor is selected: the storage claim must be set
   */
  public static KubernetesConfig from(Settings s, boolean required) {
    Optional<String> namespace = s.get("K8S_NAMESPACE");
    if (namespace.isPresent() && !KubernetesNames.isDnsLabel(namespace.get())) {
      s.problem(
          "K8S_NAMESPACE must be a Kubernetes namespace name (lower-case letters, digits and '-',"
              + " at most 63 characters), got '"
              + namespace.get()
              + "'");
      namespace = Optional.empty();
    }
    Optional<Path> kubeconfig = s.get("KUBECONFIG").map(Path::of);
    if (kubeconfig.isPresent() && !Files.isReadable(kubeconfig.get())) {
      s.problem("KUBECONFIG points to a file that cannot be read: " + kubeconfig.get());
    }
    Optional<String> claim = s.get("K8S_STORAGE_CLAIM");
    if (claim.isPresent() && !KubernetesNames.isDnsSubdomain(claim.get())) {
      s.problem(
          "K8S_STORAGE_CLAIM must be a PersistentVolumeClaim name (lower-case letters, digits,"
              + " '-' and '.'), got '"
              + claim.get()
              + "'");
      claim = Optional.empty();
    } else if (claim.isEmpty() && required) {
      s.problem(
          "K8S_STORAGE_CLAIM is required with EXECUTOR=kubernetes: the read-write-many"
              + " PersistentVolumeClaim that holds the job volumes");
    }
    Optional<Path> mount = s.get("K8S_STORAGE_MOUNT").map(Path::of);
    if (mount.isPresent() && !mount.get().isAbsolute()) {
      s.problem("K8S_STORAGE_MOUNT must be an absolute path, got '" + mount.get() + "'");
      mount = Optional.empty();
    } else if (mount.isEmpty() && required) {
      s.problem(
          "K8S_STORAGE_MOUNT is required with EXECUTOR=kubernetes: where the agent has"
              + " K8S_STORAGE_CLAIM mounted (HIGH_PRIVACY_VOLUME_DIR must be inside it)");
    }
    List<String> pullSecrets = new ArrayList<>();
    for (String name : s.list("K8S_IMAGE_PULL_SECRETS", "")) {
      if (KubernetesNames.isDnsSubdomain(name)) {
        pullSecrets.add(name);
      } else {
        s.problem("K8S_IMAGE_PULL_SECRETS: '" + name + "' is not a valid Secret name");
      }
    }
    return new KubernetesConfig(
        namespace,
        kubeconfig,
        nodeSelector(s, s.string("K8S_NODE_SELECTOR", "")),
        tolerations(s, s.string("K8S_TOLERATIONS", "")),
        pullSecrets,
        claim,
        mount.map(Path::normalize),
        Duration.ofSeconds(s.longValue("K8S_PENDING_TIMEOUT", 1200, 1)),
        Duration.ofSeconds(s.longValue("K8S_JOB_TTL_SECONDS", 604800, 60)));
  }

  /** {@code key=value,key=value}: node labels, each key once. */
  static Map<String, String> nodeSelector(Settings s, String text) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String item : text.split(",")) {
      if (item.isBlank()) {
        continue;
      }
      int eq = item.indexOf('=');
      String key = eq < 0 ? item.strip() : item.substring(0, eq).strip();
      String value = eq < 0 ? null : item.substring(eq + 1).strip();
      if (value == null || !KubernetesNames.isLabelKey(key)) {
        s.problem(
            "K8S_NODE_SELECTOR must be key=value pairs separated by commas"
                + " (e.g. rap.opensafely.org/backend=tpp), got '"
                + item.strip()
                + "'");
      } else if (!KubernetesNames.isLabelValue(value)) {
        s.problem("K8S_NODE_SELECTOR: '" + value + "' is not a valid label value for " + key);
      } else if (out.put(key, value) != null) {
        s.problem("K8S_NODE_SELECTOR names " + key + " twice");
      }
    }
    return out;
  }

  /**
   * Tolerations, either compact, comma separated {@code key[=value][:effect]} ({@code Equal} with a
   * value, else {@code Exists}; no effect: every effect), or a JSON array of Kubernetes toleration
   * objects ({@code key}, {@code operator}, {@code value}, {@code effect}, {@code
   * tolerationSeconds}).
   */
  static List<Toleration> tolerations(Settings s, String text) {
    String trimmed = text.strip();
    if (trimmed.startsWith("[")) {
      return jsonTolerations(s, trimmed);
    }
    List<Toleration> out = new ArrayList<>();
    for (String item : trimmed.split(",")) {
      if (item.isBlank()) {
        continue;
      }
      String rest = item.strip();
      String effect = "";
      int colon = rest.lastIndexOf(':');
      if (colon >= 0) {
        effect = rest.substring(colon + 1).strip();
        rest = rest.substring(0, colon).strip();
      }
      int eq = rest.indexOf('=');
      String key = eq < 0 ? rest : rest.substring(0, eq).strip();
      String value = eq < 0 ? "" : rest.substring(eq + 1).strip();
      out.add(
          checked(
              s,
              "'" + item.strip() + "'",
              new Toleration(key, eq < 0 ? "Exists" : "Equal", value, effect, Optional.empty())));
    }
    return out;
  }

  private static List<Toleration> jsonTolerations(Settings s, String text) {
    JsonArray array;
    try {
      array = new JsonArray(text);
    } catch (DecodeException e) {
      s.problem("K8S_TOLERATIONS is not a valid JSON array: " + e.getMessage());
      return List.of();
    }
    List<Toleration> out = new ArrayList<>();
    for (int i = 0; i < array.size(); i++) {
      if (!(array.getValue(i) instanceof JsonObject o)) {
        s.problem("K8S_TOLERATIONS: item " + (i + 1) + " is not an object");
        continue;
      }
      Set<String> unknown = new TreeSet<>(o.fieldNames());
      unknown.removeAll(Set.of("key", "operator", "value", "effect", "tolerationSeconds"));
      if (!unknown.isEmpty()) {
        s.problem("K8S_TOLERATIONS: item " + (i + 1) + " has unknown fields " + unknown);
        continue;
      }
      Object seconds = o.getValue("tolerationSeconds");
      if (seconds != null && !(seconds instanceof Number n && n.longValue() == n.doubleValue())) {
        s.problem("K8S_TOLERATIONS: item " + (i + 1) + ": tolerationSeconds must be a number");
        continue;
      }
      String value = o.getValue("value") == null ? "" : String.valueOf(o.getValue("value"));
      // the API's default operator is Equal
      String operator =
          o.getValue("operator") == null ? "Equal" : String.valueOf(o.getValue("operator"));
      out.add(
          checked(
              s,
              "item " + (i + 1),
              new Toleration(
                  o.getValue("key") == null ? "" : String.valueOf(o.getValue("key")),
                  operator,
                  value,
                  o.getValue("effect") == null ? "" : String.valueOf(o.getValue("effect")),
                  Optional.ofNullable(seconds).map(n -> ((Number) n).longValue()))));
    }
    return out;
  }

  private static Toleration checked(Settings s, String where, Toleration t) {
    if (!t.operator().equals("Equal") && !t.operator().equals("Exists")) {
      s.problem("K8S_TOLERATIONS " + where + ": operator must be Equal or Exists");
    } else if (t.key().isEmpty()
        ? !t.operator().equals("Exists")
        : !KubernetesNames.isLabelKey(t.key())) {
      s.problem(
          "K8S_TOLERATIONS "
              + where
              + ": the key must be a label key (an empty key needs operator Exists);"
              + " use key[=value][:effect], e.g. dedicated=rap:NoSchedule");
    } else if (t.operator().equals("Exists") && !t.value().isEmpty()) {
      s.problem("K8S_TOLERATIONS " + where + ": operator Exists takes no value");
    } else if (!KubernetesNames.isLabelValue(t.value())) {
      s.problem("K8S_TOLERATIONS " + where + ": '" + t.value() + "' is not a valid taint value");
    } else if (!t.effect().isEmpty() && !EFFECTS.contains(t.effect())) {
      s.problem(
          "K8S_TOLERATIONS "
              + where
              + ": the effect must be NoSchedule, PreferNoSchedule or NoExecute, got '"
              + t.effect()
              + "'");
    } else if (t.tolerationSeconds().isPresent() && !t.effect().equals("NoExecute")) {
      s.problem("K8S_TOLERATIONS " + where + ": tolerationSeconds needs effect NoExecute");
    }
    return t;
  }
}
