package org.rap.testing.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rap.agent.executor.ExecutorSettings;
import org.rap.agent.executor.kubernetes.KubernetesJobSpec;
import org.rap.common.config.KubernetesConfig;
import org.rap.common.model.JobDefinition;

/**
 * Jobs built by {@link KubernetesJobSpec} on the test cluster: the Job controller makes the pod,
 * the kubelet runs it in Docker with the hardening the spec asks for, and the Job's status follows
 * the pod; deleting the Job removes pod and container.
 */
@Tag("docker")
@Tag("kubernetes")
class TestClusterJobTest {
  static final String NS = "jobs";
  @TempDir static Path claim;
  static TestCluster cluster;
  static KubernetesClient client;

  @BeforeAll
  static void start() {
    cluster =
        TestCluster.start(
            FakeNode.withLabels(Map.of("rap.opensafely.org/backend", "test")),
            Map.of("rap-storage", claim));
    client = cluster.client(NS);
  }

  @AfterAll
  static void stop() throws Exception {
    cluster.close();
  }

  static JobDefinition definition(String id, String script, int ttl) {
    return JobDefinition.fromJson(
        new JsonObject()
            .put("id", id)
            .put("rap_id", "rap0000000000001")
            .put("task_id", id + "-001")
            .put("repo_url", "https://github.com/opensafely/study")
            .put("commit", "c".repeat(40))
            .put("workspace", "my workspace")
            .put("action", "run")
            .put("image", "ghcr.io/opensafely-core/busybox:latest")
            .put("args", new JsonArray().add("/bin/sh").add("-c").add(script))
            .put("env", new JsonObject().put("GREETING", "hello"))
            .put("cpu_count", 1)
            .put("memory_limit", "64M"));
  }

  static Job create(JobDefinition job, int ttlSeconds) throws Exception {
    Path volume = claim.resolve("volumes").resolve(job.id());
    Files.createDirectories(volume);
    // as the executor's prepare: the job user is not the agent's
    Files.setPosixFilePermissions(volume, PosixFilePermissions.fromString("rwxrwxrwx"));
    KubernetesConfig config =
        new KubernetesConfig(
            Optional.empty(),
            Optional.empty(),
            Map.of("rap.opensafely.org/backend", "test"),
            List.of(),
            List.of(),
            Optional.of("rap-storage"),
            Optional.empty(),
            Duration.ofMinutes(20),
            Duration.ofSeconds(ttlSeconds));
    ExecutorSettings settings = ExecutorSettings.local("test", claim).withDockerUser("10001:10001");
    Job spec =
        KubernetesJobSpec.forJob(job, settings, config)
            .volumeSubPath("volumes/" + job.id())
            .build();
    return client.batch().v1().jobs().resource(spec).create();
  }

  static Job awaitCondition(String name, String type) {
    return TestCluster.await(
        () -> client.batch().v1().jobs().withName(name).get(),
        j ->
            j != null
                && j.getStatus() != null
                && j.getStatus().getConditions().stream()
                    .anyMatch(c -> c.getType().equals(type) && c.getStatus().equals("True")));
  }

  static Pod podOf(Job job) {
    List<Pod> pods =
        client
            .pods()
            .withLabel("batch.kubernetes.io/controller-uid", job.getMetadata().getUid())
            .list()
            .getItems();
    assertEquals(1, pods.size());
    return pods.get(0);
  }

  @Test
  void aJobRunsHardenedWithItsWorkspace() throws Exception {
    String script =
        "id -u; id -g; echo $GREETING $HOME; pwd;"
            + " sed -n 's,^[^ ]* / [^ ]* \\(r[ow]\\)[,].*,root-\\1,p' /proc/mounts;"
            + " grep CapEff /proc/self/status;"
            + " grep NoNewPrivs /proc/self/status;"
            + " echo scratch > /tmp/t && echo tmp-writable;"
            + " mkdir -p output && echo 1,2 > output/result.csv";
    JobDefinition def = definition("hardened0000001a", script, 600);
    Job created = create(def, 600);
    assertEquals("os-job-hardened0000001a-001", created.getMetadata().getName());
    Job done = awaitCondition(created.getMetadata().getName(), "Complete");
    assertEquals(1, done.getStatus().getSucceeded());
    assertEquals(0, done.getStatus().getActive());
    assertNotNull(done.getStatus().getCompletionTime());
    Pod pod = podOf(done);
    assertEquals("os-job-hardened0000001a-001", pod.getMetadata().getLabels().get("job-name"));
    assertEquals(
        "hardened0000001a", pod.getMetadata().getLabels().get("rap.opensafely.org/job-id"));
    assertEquals("Job", pod.getMetadata().getOwnerReferences().get(0).getKind());
    assertEquals(
        done.getMetadata().getUid(), pod.getMetadata().getOwnerReferences().get(0).getUid());
    assertEquals("Succeeded", pod.getStatus().getPhase());
    String log = client.pods().withName(pod.getMetadata().getName()).getLog();
    assertEquals(
        List.of(
            "10001",
            "10001",
            "hello /tmp",
            "/workspace",
            "root-ro",
            "CapEff:\t0000000000000000",
            "NoNewPrivs:\t1",
            "tmp-writable"),
        List.of(log.split("\n")));
    assertEquals(
        "1,2\n", Files.readString(claim.resolve("volumes/hardened0000001a/output/result.csv")));
  }

  @Test
  void aFailingJobFailsAndDeletingItRemovesPodAndContainer() throws Exception {
    Job created = create(definition("failing00000001a", "exit 5", 600), 600);
    Job failed = awaitCondition(created.getMetadata().getName(), "Failed");
    JobCondition c =
        failed.getStatus().getConditions().stream()
            .filter(x -> x.getType().equals("Failed"))
            .findFirst()
            .orElseThrow();
    assertEquals("BackoffLimitExceeded", c.getReason());
    assertEquals(1, failed.getStatus().getFailed());
    Pod pod = podOf(failed);
    assertEquals(
        5, pod.getStatus().getContainerStatuses().get(0).getState().getTerminated().getExitCode());
    String label = NS + "." + pod.getMetadata().getName();
    assertTrue(hasContainer(label));
    client
        .batch()
        .v1()
        .jobs()
        .withName(created.getMetadata().getName())
        .withPropagationPolicy(DeletionPropagation.FOREGROUND)
        .delete();
    TestCluster.await(
        () -> client.pods().withName(pod.getMetadata().getName()).get(), p -> p == null);
    TestCluster.await(() -> hasContainer(label), present -> !present);
  }

  @Test
  void aFinishedJobIsDeletedAfterItsTtl() throws Exception {
    Job created = create(definition("shortlived00001a", "true", 1), 1);
    awaitCondition(created.getMetadata().getName(), "Complete");
    // deleted by the TTL controller
    TestCluster.await(
        () -> client.batch().v1().jobs().withName(created.getMetadata().getName()).get(),
        j -> j == null);
  }

  static boolean hasContainer(String podLabel) {
    return cluster.kubelet().containers().stream()
        .anyMatch(c -> podLabel.equals(c.getLabels().get(TestKubelet.POD_LABEL)));
  }
}
