package org.rap.agent.executor.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.rap.agent.executor.JobRun;

/** A Job and its pod as the run the lifecycle sees, and when a pod that waits fails the job. */
@Tag("kubernetes")
class KubernetesRunsTest {
  static final Instant CREATED = Instant.parse("2026-12-03T10:00:00Z");
  static final Duration TIMEOUT = Duration.ofSeconds(1200);
  static final String IMAGE = "ghcr.io/opensafely-core/python@sha256:" + "a".repeat(64);

  static Job job(boolean deleting) {
    return new JobBuilder()
        .withNewMetadata()
        .withName("os-job-abc-001")
        .withUid("uid-1")
        .withCreationTimestamp(CREATED.toString())
        .withDeletionTimestamp(deleting ? CREATED.plusSeconds(5).toString() : null)
        .withLabels(Map.of("rap.opensafely.org/job-id", "abc"))
        .endMetadata()
        .withNewSpec()
        .withNewTemplate()
        .withNewSpec()
        .addNewContainer()
        .withName("job")
        .withImage(IMAGE)
        .addNewEnv()
        .withName("OPENSAFELY_BACKEND")
        .withValue("tpp")
        .endEnv()
        .addNewEnv()
        .withName("API_KEY")
        .withValue("s3cret")
        .endEnv()
        .withNewResources()
        .withLimits(Map.of("memory", new Quantity("16Mi")))
        .endResources()
        .endContainer()
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
  }

  static PodBuilder pod(String phase) {
    return new PodBuilder()
        .withNewMetadata()
        .withName("os-job-abc-001-xyz12")
        .withManagedFields(new ManagedFieldsEntry())
        .endMetadata()
        .withNewSpec()
        .addNewContainer()
        .withName("job")
        .addNewEnv()
        .withName("DATABASE_URL")
        .withValue("mssql://u:p@db/x")
        .endEnv()
        .endContainer()
        .endSpec()
        .withNewStatus()
        .withPhase(phase)
        .endStatus();
  }

  static Pod terminated(String phase, int exit, String reason) {
    return pod(phase)
        .editStatus()
        .withContainerStatuses(
            new ContainerStatusBuilder()
                .withName("job")
                .withImageID("docker-pullable://sha256:" + "b".repeat(64))
                .withNewState()
                .withNewTerminated()
                .withExitCode(exit)
                .withReason(reason)
                .withStartedAt("2026-12-03T10:00:02Z")
                .withFinishedAt("2026-12-03T10:00:09Z")
                .endTerminated()
                .endState()
                .build())
        .endStatus()
        .build();
  }

  static Pod waiting(String reason, String message) {
    return pod("Pending")
        .editStatus()
        .withConditions(
            new PodConditionBuilder().withType("PodScheduled").withStatus("True").build())
        .withContainerStatuses(
            new ContainerStatusBuilder()
                .withName("job")
                .withNewState()
                .withNewWaiting()
                .withReason(reason)
                .withMessage(message)
                .endWaiting()
                .endState()
                .build())
        .endStatus()
        .build();
  }

  static Pod unschedulable(String message) {
    return pod("Pending")
        .editStatus()
        .withConditions(
            new PodConditionBuilder()
                .withType("PodScheduled")
                .withStatus("False")
                .withReason("Unschedulable")
                .withMessage(message)
                .build())
        .endStatus()
        .build();
  }

  @Test
  void aPendingOrRunningPodIsRunningSinceTheJobWasCreated() {
    JobRun pending = KubernetesRuns.of(job(false), unschedulable("no node"));
    assertEquals(JobRun.Phase.RUNNING, pending.phase());
    assertEquals(CREATED.getEpochSecond() * 1_000_000_000L, pending.startedAtNs());
    assertNull(pending.exitCode());
    JobRun none = KubernetesRuns.of(job(false), null);
    assertEquals(JobRun.Phase.RUNNING, none.phase());
    assertEquals("os-job-abc-001", none.id());
    assertEquals(16L << 20, none.memoryLimitBytes());
  }

  @Test
  void aFinishedPodGivesTheExitCodeAndAnOomKillIsReportedAsDockerDoes() {
    JobRun ok = KubernetesRuns.of(job(false), terminated("Succeeded", 0, "Completed"));
    assertEquals(JobRun.Phase.STOPPED, ok.phase());
    assertEquals(0, ok.exitCode());
    assertEquals(false, ok.oomKilled());
    assertEquals("sha256:" + "b".repeat(64), ok.imageId());
    assertEquals(
        Instant.parse("2026-12-03T10:00:09Z").getEpochSecond() * 1_000_000_000L, ok.finishedAtNs());
    JobRun failed = KubernetesRuns.of(job(false), terminated("Failed", 3, "Error"));
    assertEquals(3, failed.exitCode());
    // the kubelet may report an OOM kill with any code; Docker's report is 137 + OOMKilled
    JobRun oom = KubernetesRuns.of(job(false), terminated("Failed", 1, "OOMKilled"));
    assertEquals(137, oom.exitCode());
    assertEquals(true, oom.oomKilled());
  }

  @Test
  void aJobBeingDeletedIsStoppedAsKilled() {
    JobRun run = KubernetesRuns.of(job(true), pod("Running").build());
    assertEquals(JobRun.Phase.STOPPED, run.phase());
    assertEquals(137, run.exitCode());
    assertEquals(false, run.oomKilled());
  }

  @Test
  void theMetadataHasEnvironmentValuesRedactedAndNoManagedFields() {
    JobRun run = KubernetesRuns.of(job(false), terminated("Succeeded", 0, "Completed"));
    JsonObject metadata = run.metadata();
    String jobJson = metadata.getJsonObject("job").encode();
    assertTrue(jobJson.contains("\"value\":\"tpp\""), jobJson);
    assertFalse(jobJson.contains("s3cret"), jobJson);
    assertTrue(jobJson.contains("xxxx-REDACTED-xxxx"), jobJson);
    String podJson = metadata.getJsonObject("pod").encode();
    assertFalse(podJson.contains("mssql"), podJson);
    assertFalse(podJson.contains("managedFields"), podJson);
    assertEquals("abc", run.labels().getString("rap.opensafely.org/job-id"));
  }

  private static Optional<String> failure(Pod pod, Instant now) {
    return KubernetesRuns.pendingFailure(job(false), pod, IMAGE, now, TIMEOUT);
  }

  @Test
  void aPodThatCannotBeScheduledFailsOnlyAfterThePendingTimeout() {
    Pod pod = unschedulable("0/3 nodes are available: 3 Insufficient memory.");
    assertEquals(Optional.empty(), failure(pod, CREATED.plusSeconds(1199)));
    assertEquals(
        Optional.of(
            "Job could not be scheduled on the Kubernetes cluster within 1200 s"
                + " (K8S_PENDING_TIMEOUT): 0/3 nodes are available: 3 Insufficient memory."),
        failure(pod, CREATED.plusSeconds(1200)));
  }

  @Test
  void anImagePullFailureFailsAfterTheTimeoutAndABadReferenceAtOnce() {
    Pod backoff = waiting("ImagePullBackOff", "Back-off pulling image \"x\"");
    assertEquals(Optional.empty(), failure(backoff, CREATED.plusSeconds(60)));
    assertEquals(
        Optional.of(
            "Docker image "
                + IMAGE
                + " is not currently available (not pulled within 1200 s (K8S_PENDING_TIMEOUT):"
                + " ImagePullBackOff: Back-off pulling image \"x\")"),
        failure(backoff, CREATED.plusSeconds(1300)));
    assertEquals(
        Optional.of(
            "Docker image " + IMAGE + " is not currently available (InvalidImageName: bad)"),
        failure(waiting("InvalidImageName", "bad"), CREATED.plusSeconds(1)));
  }

  @Test
  void otherWaitsAndMissingPodsFailAfterTheTimeout() {
    assertEquals(
        Optional.of(
            "Job container did not start within 1200 s (K8S_PENDING_TIMEOUT):"
                + " CreateContainerConfigError: secret \"s\" not found"),
        failure(
            waiting("CreateContainerConfigError", "secret \"s\" not found"),
            CREATED.plusSeconds(1201)));
    assertEquals(
        Optional.of("Kubernetes created no pod for the job within 1200 s (K8S_PENDING_TIMEOUT)"),
        failure(null, CREATED.plusSeconds(1201)));
    // a pod that runs or has finished never fails for waiting
    assertEquals(Optional.empty(), failure(pod("Running").build(), CREATED.plusSeconds(9999)));
    assertEquals(
        Optional.empty(), failure(terminated("Failed", 1, "Error"), CREATED.plusSeconds(9999)));
  }
}
