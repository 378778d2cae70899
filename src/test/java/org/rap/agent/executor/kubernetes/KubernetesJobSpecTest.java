package org.rap.agent.executor.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.rap.agent.executor.ExecutorSettings;
import org.rap.agent.executor.JobFailure;
import org.rap.common.config.KubernetesConfig;
import org.rap.common.model.JobDefinition;
import org.rap.common.text.KubernetesNames;

/** The Job of one attempt, field by field: names, labels, hardening, limits, mounts. */
@Tag("kubernetes")
class KubernetesJobSpecTest {
  static final String SHA = "sha256:" + "ab".repeat(32);
  static final ExecutorSettings SETTINGS =
      ExecutorSettings.local("tpp", Path.of("/srv/rap")).withDockerUser("10001:10002");
  static final KubernetesConfig CONFIG =
      new KubernetesConfig(
          Optional.empty(),
          Optional.empty(),
          Map.of("rap.opensafely.org/backend", "tpp"),
          List.of(
              new KubernetesConfig.Toleration(
                  "dedicated", "Equal", "rap", "NoSchedule", Optional.empty()),
              new KubernetesConfig.Toleration("spot", "Exists", "", "", Optional.empty())),
          List.of("registry-credentials"),
          Optional.of("rap-storage"),
          Optional.empty(),
          Duration.ofMinutes(20),
          Duration.ofDays(2));

  static JobDefinition job(Consumer<JsonObject> edit) {
    JsonObject j =
        new JsonObject()
            .put("id", "abcdefgh23456789")
            .put("rap_id", "rap0000000000001")
            .put("task_id", "abcdefgh23456789-002")
            .put("repo_url", "https://github.com/opensafely/study")
            .put("commit", "c".repeat(40))
            .put("workspace", "my-workspace")
            .put("action", "generate_dataset")
            .put("image", "ghcr.io/opensafely-core/ehrql:v1")
            .put("image_sha", SHA)
            .put("args", new JsonArray().add("generate-dataset").add("analysis/dataset.py"))
            .put("env", new JsonObject().put("OPENSAFELY_BACKEND", "tpp").put("TZ", "UTC"))
            .put("cpu_count", 2.5)
            .put("memory_limit", "4G");
    edit.accept(j);
    return JobDefinition.fromJson(j);
  }

  static Job build(JobDefinition job) {
    return KubernetesJobSpec.forJob(job, SETTINGS, CONFIG)
        .volumeSubPath("high_privacy/volumes/" + job.id())
        .build();
  }

  static PodSpec pod(Job job) {
    return job.getSpec().getTemplate().getSpec();
  }

  static Container container(Job job) {
    return pod(job).getContainers().get(0);
  }

  @Test
  void oneAttemptOnePodNoRetries() {
    Job job = build(job(j -> {}));
    assertEquals("batch/v1", job.getApiVersion());
    assertEquals("Job", job.getKind());
    assertEquals("os-job-abcdefgh23456789-002", job.getMetadata().getName());
    assertEquals(0, job.getSpec().getBackoffLimit());
    assertEquals(1, job.getSpec().getCompletions());
    assertEquals(1, job.getSpec().getParallelism());
    assertEquals(172800, job.getSpec().getTtlSecondsAfterFinished());
    assertEquals("Never", pod(job).getRestartPolicy());
    assertEquals(1, pod(job).getContainers().size());
    assertTrue(pod(job).getInitContainers().isEmpty());
  }

  @Test
  void nameIsDerivedFromTheJobIdAndTheAttempt() {
    assertEquals(
        "os-job-abcdefgh23456789",
        KubernetesJobSpec.jobName(job(j -> j.put("task_id", "abcdefgh23456789-001-cancel"))));
    assertEquals(
        "os-job-abcdefgh23456789", KubernetesJobSpec.jobName(job(j -> j.remove("task_id"))));
    assertEquals(
        "os-job-abcdefgh23456789-013",
        KubernetesJobSpec.jobName(job(j -> j.put("task_id", "abcdefgh23456789-013"))));
    String odd = KubernetesJobSpec.jobName(job(j -> j.put("id", "Odd_ID").put("task_id", "")));
    assertTrue(KubernetesNames.isDnsLabel(odd), odd);
    assertEquals(
        odd, KubernetesJobSpec.jobName(job(j -> j.put("id", "Odd_ID").put("task_id", ""))));
  }

  @Test
  void labelsAndAnnotations() {
    Job job = build(job(j -> j.put("workspace", "My Workspace (2024)")));
    Map<String, String> labels = job.getMetadata().getLabels();
    assertEquals("abcdefgh23456789", labels.get("rap.opensafely.org/job-id"));
    assertEquals("abcdefgh23456789-002", labels.get("rap.opensafely.org/task-id"));
    assertEquals("rap0000000000001", labels.get("rap.opensafely.org/rap-id"));
    assertEquals("generate_dataset", labels.get("rap.opensafely.org/action"));
    assertEquals("tpp", labels.get("rap.opensafely.org/backend"));
    assertEquals("false", labels.get("rap.opensafely.org/database-access"));
    assertEquals("job", labels.get("app.kubernetes.io/component"));
    assertEquals("rap-agent", labels.get("app.kubernetes.io/managed-by"));
    String workspace = labels.get("rap.opensafely.org/workspace");
    assertTrue(KubernetesNames.isLabelValue(workspace), workspace);
    assertTrue(workspace.startsWith("My-Workspace--2024-"), workspace);
    labels.values().forEach(v -> assertTrue(KubernetesNames.isLabelValue(v), v));
    // the raw value of a converted label only
    assertEquals(
        Map.of("rap.opensafely.org/workspace", "My Workspace (2024)"),
        job.getMetadata().getAnnotations());
    assertEquals(labels, job.getSpec().getTemplate().getMetadata().getLabels());
    assertEquals(
        job.getMetadata().getAnnotations(),
        job.getSpec().getTemplate().getMetadata().getAnnotations());
    assertEquals(
        Map.of("rap.opensafely.org/job-id", "abcdefgh23456789"),
        KubernetesJobSpec.selector("abcdefgh23456789"));
  }

  @Test
  void databaseJobsOnARealBackendAreLabelledForTheDatabasePolicy() {
    JobDefinition db = job(j -> j.put("allow_database_access", true));
    ExecutorSettings real =
        SETTINGS.withRealDatabase("db", Map.of("default", "mssql://db"), Optional.empty());
    Job job =
        KubernetesJobSpec.forJob(db, real, CONFIG)
            .volumeSubPath("v/x")
            .hostAlias("db.example", "10.0.0.5")
            .build();
    assertEquals("true", job.getMetadata().getLabels().get("rap.opensafely.org/database-access"));
    assertEquals("db.example", pod(job).getHostAliases().get(0).getHostnames().get(0));
    assertEquals("10.0.0.5", pod(job).getHostAliases().get(0).getIp());
    // a dummy-data backend: no database access, as the Docker executor
    assertEquals(
        "false", build(db).getMetadata().getLabels().get("rap.opensafely.org/database-access"));
  }

  @Test
  void podIsHardened() {
    Job job = build(job(j -> {}));
    PodSpec pod = pod(job);
    assertEquals(false, pod.getAutomountServiceAccountToken());
    assertEquals(false, pod.getEnableServiceLinks());
    assertNull(pod.getHostNetwork());
    assertNull(pod.getHostPID());
    assertEquals("None", pod.getDnsPolicy());
    assertEquals(List.of("192.0.2.0"), pod.getDnsConfig().getNameservers());
    assertEquals(10001L, pod.getSecurityContext().getRunAsUser());
    assertEquals(10002L, pod.getSecurityContext().getRunAsGroup());
    assertEquals(true, pod.getSecurityContext().getRunAsNonRoot());
    assertEquals("RuntimeDefault", pod.getSecurityContext().getSeccompProfile().getType());
    assertEquals(1L, pod.getTerminationGracePeriodSeconds());
    SecurityContext sc = container(job).getSecurityContext();
    assertEquals(false, sc.getAllowPrivilegeEscalation());
    assertEquals(false, sc.getPrivileged());
    assertEquals(true, sc.getReadOnlyRootFilesystem());
    assertEquals(List.of("ALL"), sc.getCapabilities().getDrop());
    assertTrue(sc.getCapabilities().getAdd().isEmpty());
  }

  @Test
  void rootJobUserCannotClaimNonRoot() {
    Job job =
        KubernetesJobSpec.forJob(job(j -> {}), SETTINGS.withDockerUser("0:0"), CONFIG)
            .volumeSubPath("v/x")
            .build();
    assertEquals(false, pod(job).getSecurityContext().getRunAsNonRoot());
    assertEquals(0L, pod(job).getSecurityContext().getRunAsUser());
  }

  @Test
  void containerRunsTheJob() {
    Container c = container(build(job(j -> {})));
    assertEquals("job", c.getName());
    assertEquals("ghcr.io/opensafely-core/ehrql@" + SHA, c.getImage());
    assertEquals("IfNotPresent", c.getImagePullPolicy());
    assertTrue(c.getCommand().isEmpty(), "the image's entry point is kept");
    assertEquals(List.of("generate-dataset", "analysis/dataset.py"), c.getArgs());
    assertEquals("/workspace", c.getWorkingDir());
    assertEquals(
        List.of(
            new EnvVar("HOME", "/tmp", null),
            new EnvVar("OPENSAFELY_BACKEND", "tpp", null),
            new EnvVar("TZ", "UTC", null)),
        c.getEnv());
  }

  @Test
  void secretsComeFromSecretsAndTheEnvironmentCanBeReplaced() {
    Map<String, String> env = new LinkedHashMap<>(Map.of("A", "1"));
    Container c =
        container(
            KubernetesJobSpec.forJob(job(j -> {}), SETTINGS, CONFIG)
                .volumeSubPath("v/x")
                .env(env)
                .secretEnv(
                    Map.of(
                        "DATABASE_URL", new KubernetesJobSpec.SecretKey("rap-db", "default-url")))
                .build());
    assertEquals(3, c.getEnv().size());
    assertEquals(new EnvVar("A", "1", null), c.getEnv().get(1));
    EnvVar url = c.getEnv().get(2);
    assertEquals("DATABASE_URL", url.getName());
    assertNull(url.getValue());
    assertEquals("rap-db", url.getValueFrom().getSecretKeyRef().getName());
    assertEquals("default-url", url.getValueFrom().getSecretKeyRef().getKey());
  }

  @Test
  void imageReference() {
    assertEquals(
        "ghcr.io/opensafely-core/ehrql:v1",
        KubernetesJobSpec.imageReference(job(j -> j.put("image_sha", "")), SETTINGS));
    ExecutorSettings proxied =
        new ExecutorSettings(
            SETTINGS.backend(),
            SETTINGS.workdir(),
            SETTINGS.highPrivacyStorageBase(),
            SETTINGS.mediumPrivacyStorageBase(),
            SETTINGS.highPrivacyArchiveDir(),
            SETTINGS.highPrivacyVolumeDir(),
            Optional.empty(),
            SETTINGS.dockerUser(),
            "ghcr.io/opensafely-core",
            "docker-proxy.example/opensafely-core",
            true,
            Duration.ofMinutes(20),
            "db",
            true,
            Map.of(),
            Optional.empty(),
            Optional.empty(),
            Optional.empty(),
            Optional.empty(),
            "github-proxy",
            Optional.empty(),
            4096,
            false,
            SETTINGS.outputLimits(),
            "");
    assertEquals(
        "docker-proxy.example/opensafely-core/ehrql@" + SHA,
        KubernetesJobSpec.imageReference(job(j -> {}), proxied));
    JobFailure bad =
        assertThrows(
            JobFailure.class,
            () ->
                KubernetesJobSpec.imageReference(
                    job(j -> j.put("image_sha", "sha256:xyz")), SETTINGS));
    assertEquals(
        "Invalid image digest 'sha256:xyz' for image ghcr.io/opensafely-core/ehrql:v1",
        bad.getMessage());
  }

  @Test
  void requestsEqualLimitsFromCpuAndMemory() {
    Container c = container(build(job(j -> {})));
    Map<String, Quantity> expected =
        Map.of("cpu", new Quantity("2500m"), "memory", new Quantity("4Gi"));
    assertEquals(expected, c.getResources().getRequests());
    assertEquals(expected, c.getResources().getLimits());
    assertEquals(
        Map.of("cpu", new Quantity("1"), "memory", new Quantity("16Mi")),
        container(build(job(j -> j.put("cpu_count", 1).put("memory_limit", "16M"))))
            .getResources()
            .getLimits());
    assertEquals(
        new Quantity("1536Mi"),
        container(build(job(j -> j.put("memory_limit", "1.5G"))))
            .getResources()
            .getLimits()
            .get("memory"));
    assertEquals(
        new Quantity("1000"),
        container(build(job(j -> j.put("memory_limit", "1000b"))))
            .getResources()
            .getLimits()
            .get("memory"));
    assertNull(
        container(build(job(j -> j.put("cpu_count", 0).put("memory_limit", "")))).getResources());
    assertThrows(JobFailure.class, () -> build(job(j -> j.put("memory_limit", "lots"))));
  }

  @Test
  void workspaceFromTheClaimAndAWritableTmp() {
    Job job = build(job(j -> {}));
    List<VolumeMount> mounts = container(job).getVolumeMounts();
    assertEquals(2, mounts.size());
    assertEquals("workspace", mounts.get(0).getName());
    assertEquals("/workspace", mounts.get(0).getMountPath());
    assertEquals("high_privacy/volumes/abcdefgh23456789", mounts.get(0).getSubPath());
    assertEquals(false, mounts.get(0).getReadOnly());
    assertEquals("tmp", mounts.get(1).getName());
    assertEquals("/tmp", mounts.get(1).getMountPath());
    List<Volume> volumes = pod(job).getVolumes();
    assertEquals("rap-storage", volumes.get(0).getPersistentVolumeClaim().getClaimName());
    assertEquals(false, volumes.get(0).getPersistentVolumeClaim().getReadOnly());
    assertTrue(volumes.get(1).getEmptyDir() != null);
    for (String bad : List.of("", "/abs", "a/../../b", "..")) {
      assertThrows(
          IllegalArgumentException.class,
          () -> KubernetesJobSpec.forJob(job(j -> {}), SETTINGS, CONFIG).volumeSubPath(bad),
          bad);
    }
    assertThrows(
        IllegalStateException.class,
        () -> KubernetesJobSpec.forJob(job(j -> {}), SETTINGS, CONFIG).build());
    assertThrows(
        IllegalStateException.class,
        () ->
            KubernetesJobSpec.forJob(job(j -> {}), SETTINGS, KubernetesConfig.defaults())
                .volumeSubPath("v")
                .build());
  }

  @Test
  void placementFromTheSettings() {
    PodSpec pod = pod(build(job(j -> {})));
    assertEquals(Map.of("rap.opensafely.org/backend", "tpp"), pod.getNodeSelector());
    assertEquals(2, pod.getTolerations().size());
    assertEquals("dedicated", pod.getTolerations().get(0).getKey());
    assertEquals("Equal", pod.getTolerations().get(0).getOperator());
    assertEquals("rap", pod.getTolerations().get(0).getValue());
    assertEquals("NoSchedule", pod.getTolerations().get(0).getEffect());
    assertEquals("Exists", pod.getTolerations().get(1).getOperator());
    assertNull(pod.getTolerations().get(1).getEffect());
    assertNull(pod.getTolerations().get(1).getValue());
    assertEquals("registry-credentials", pod.getImagePullSecrets().get(0).getName());
    PodSpec plain =
        pod(
            KubernetesJobSpec.forJob(
                    job(j -> {}),
                    SETTINGS,
                    new KubernetesConfig(
                        Optional.empty(),
                        Optional.empty(),
                        Map.of(),
                        List.of(),
                        List.of(),
                        Optional.of("c"),
                        Optional.empty(),
                        Duration.ofMinutes(1),
                        Duration.ofMinutes(1)))
                .volumeSubPath("v")
                .build());
    assertTrue(plain.getNodeSelector().isEmpty());
    assertTrue(plain.getTolerations().isEmpty());
    assertFalse(plain.getImagePullSecrets().iterator().hasNext());
  }
}
