package org.rap.common.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rap.common.config.KubernetesConfig.Toleration;

@Tag("kubernetes")
class KubernetesConfigTest {
  private static KubernetesConfig read(Map<String, String> env, boolean required) {
    Settings s = Settings.of(env);
    KubernetesConfig c = KubernetesConfig.from(s, required);
    s.throwIfInvalid();
    return c;
  }

  private static List<String> problems(Map<String, String> env) {
    return assertThrows(ConfigException.class, () -> read(env, false)).problems();
  }

  @Test
  void defaultsWhenNothingIsSet() {
    KubernetesConfig c = read(Map.of(), false);
    assertEquals(KubernetesConfig.defaults(), c);
    assertEquals(Duration.ofSeconds(1200), c.pendingTimeout());
    assertEquals(Duration.ofDays(7), c.jobTtl());
  }

  @Test
  void everySettingIsRead(@TempDir Path dir) throws Exception {
    Path kubeconfig = Files.writeString(dir.resolve("kubeconfig"), "apiVersion: v1\n");
    KubernetesConfig c =
        read(
            Map.of(
                "KUBECONFIG", kubeconfig.toString(),
                "K8S_NAMESPACE", "rap-jobs",
                "K8S_NODE_SELECTOR", "rap.opensafely.org/backend=tpp, disk=ssd",
                "K8S_TOLERATIONS", "dedicated=rap:NoSchedule,gpu,spot:NoExecute",
                "K8S_IMAGE_PULL_SECRETS", "ghcr, proxy",
                "K8S_STORAGE_CLAIM", "rap-storage",
                "K8S_STORAGE_MOUNT", "/storage/",
                "K8S_PENDING_TIMEOUT", "300",
                "K8S_JOB_TTL_SECONDS", "3600"),
            true);
    assertEquals(Optional.of("rap-jobs"), c.namespace());
    assertEquals(Optional.of(kubeconfig), c.kubeconfig());
    assertEquals(Map.of("rap.opensafely.org/backend", "tpp", "disk", "ssd"), c.nodeSelector());
    assertEquals(
        List.of(
            new Toleration("dedicated", "Equal", "rap", "NoSchedule", Optional.empty()),
            new Toleration("gpu", "Exists", "", "", Optional.empty()),
            new Toleration("spot", "Exists", "", "NoExecute", Optional.empty())),
        c.tolerations());
    assertEquals(List.of("ghcr", "proxy"), c.imagePullSecrets());
    assertEquals(Optional.of("rap-storage"), c.storageClaim());
    assertEquals(Optional.of(Path.of("/storage")), c.storageMount());
    assertEquals(Duration.ofMinutes(5), c.pendingTimeout());
    assertEquals(Duration.ofHours(1), c.jobTtl());
  }

  @Test
  void tolerationsAsJson() {
    KubernetesConfig c =
        read(
            Map.of(
                "K8S_TOLERATIONS",
                "[{\"key\":\"dedicated\",\"operator\":\"Equal\",\"value\":\"rap\",\"effect\":\"NoSchedule\"},"
                    + "{\"key\":\"node.kubernetes.io/unreachable\",\"operator\":\"Exists\","
                    + "\"effect\":\"NoExecute\",\"tolerationSeconds\":300},"
                    + "{\"operator\":\"Exists\"}]"),
            false);
    assertEquals(
        List.of(
            new Toleration("dedicated", "Equal", "rap", "NoSchedule", Optional.empty()),
            new Toleration(
                "node.kubernetes.io/unreachable", "Exists", "", "NoExecute", Optional.of(300L)),
            new Toleration("", "Exists", "", "", Optional.empty())),
        c.tolerations());
  }

  @Test
  void badValuesAreNamed() {
    assertEquals(
        List.of(
            "K8S_NAMESPACE must be a Kubernetes namespace name (lower-case letters, digits and '-',"
                + " at most 63 characters), got 'Rap_Jobs'"),
        problems(Map.of("K8S_NAMESPACE", "Rap_Jobs")));
    assertEquals(
        List.of(
            "K8S_NODE_SELECTOR must be key=value pairs separated by commas"
                + " (e.g. rap.opensafely.org/backend=tpp), got 'disk'"),
        problems(Map.of("K8S_NODE_SELECTOR", "disk")));
    assertEquals(
        List.of("K8S_NODE_SELECTOR: 'a b' is not a valid label value for disk"),
        problems(Map.of("K8S_NODE_SELECTOR", "disk=a b")));
    assertEquals(
        List.of("K8S_NODE_SELECTOR names disk twice"),
        problems(Map.of("K8S_NODE_SELECTOR", "disk=a,disk=b")));
    assertEquals(
        List.of(
            "K8S_TOLERATIONS 'dedicated=rap:Never': the effect must be NoSchedule,"
                + " PreferNoSchedule or NoExecute, got 'Never'"),
        problems(Map.of("K8S_TOLERATIONS", "dedicated=rap:Never")));
    assertEquals(
        List.of(
            "K8S_TOLERATIONS '=x': the key must be a label key (an empty key needs operator"
                + " Exists); use key[=value][:effect], e.g. dedicated=rap:NoSchedule"),
        problems(Map.of("K8S_TOLERATIONS", "=x")));
    assertEquals(1, problems(Map.of("K8S_TOLERATIONS", "[{\"key\":")).size());
    assertEquals(
        List.of("K8S_TOLERATIONS: item 1 has unknown fields [effekt]"),
        problems(Map.of("K8S_TOLERATIONS", "[{\"key\":\"a\",\"effekt\":\"NoSchedule\"}]")));
    assertEquals(
        List.of("K8S_TOLERATIONS item 1: tolerationSeconds needs effect NoExecute"),
        problems(
            Map.of(
                "K8S_TOLERATIONS",
                "[{\"key\":\"a\",\"operator\":\"Exists\",\"tolerationSeconds\":5}]")));
    assertEquals(
        List.of("K8S_IMAGE_PULL_SECRETS: 'Bad_Name' is not a valid Secret name"),
        problems(Map.of("K8S_IMAGE_PULL_SECRETS", "good,Bad_Name")));
    assertEquals(
        List.of(
            "K8S_STORAGE_CLAIM must be a PersistentVolumeClaim name (lower-case letters, digits,"
                + " '-' and '.'), got 'Storage'"),
        problems(Map.of("K8S_STORAGE_CLAIM", "Storage")));
    assertEquals(
        List.of("K8S_STORAGE_MOUNT must be an absolute path, got 'storage'"),
        problems(Map.of("K8S_STORAGE_MOUNT", "storage")));
    assertEquals(
        List.of("K8S_PENDING_TIMEOUT must be a whole number >= 1, got '0'"),
        problems(Map.of("K8S_PENDING_TIMEOUT", "0")));
    assertEquals(
        List.of("K8S_JOB_TTL_SECONDS must be a whole number >= 60, got '10'"),
        problems(Map.of("K8S_JOB_TTL_SECONDS", "10")));
    assertEquals(
        List.of("KUBECONFIG points to a file that cannot be read: /nonexistent/kubeconfig"),
        problems(Map.of("KUBECONFIG", "/nonexistent/kubeconfig")));
  }

  @Test
  void theClaimIsRequiredForTheKubernetesExecutor() {
    ConfigException e = assertThrows(ConfigException.class, () -> read(Map.of(), true));
    assertEquals(
        List.of(
            "K8S_STORAGE_CLAIM is required with EXECUTOR=kubernetes: the read-write-many"
                + " PersistentVolumeClaim that holds the job volumes",
            "K8S_STORAGE_MOUNT is required with EXECUTOR=kubernetes: where the agent has"
                + " K8S_STORAGE_CLAIM mounted (HIGH_PRIVACY_VOLUME_DIR must be inside it)"),
        e.problems());
  }

  @Test
  void theAgentConfigurationCarriesIt() {
    Settings s =
        Settings.of(
            Map.of(
                "BACKEND", "test",
                "CONTROLLER_TASK_API_ENDPOINT", "http://localhost:3000/",
                "K8S_NAMESPACE", "jobs"));
    AgentConfig a = AgentConfig.from(s);
    s.throwIfInvalid();
    assertEquals(Optional.of("jobs"), a.kubernetes().namespace());
  }
}
