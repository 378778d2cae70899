package org.rap.agent.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rap.agent.executor.docker.DockerApi;
import org.rap.agent.executor.kubernetes.KubernetesExecutor;
import org.rap.agent.executor.kubernetes.KubernetesJobSpec;
import org.rap.agent.metrics.ContainerSample;
import org.rap.agent.metrics.RunningJob;
import org.rap.common.config.KubernetesConfig;
import org.rap.common.model.ExecutorState;
import org.rap.common.model.JobDefinition;
import org.rap.testing.k8s.FakeNode;
import org.rap.testing.k8s.TestCluster;

/**
 * The shared lifecycle on the Kubernetes executor against the test cluster (mock API server, test
 * Job controller, test kubelet running pods in the local Docker engine): the Job and pod it
 * creates, field by field; outputs, logs and metadata; the messages of an OOM kill, an image that
 * cannot be pulled and a pod that cannot be scheduled; cancellation; database secrets kept out of
 * the Job; a database task.
 */
@Tag("docker")
@Tag("kubernetes")
class KubernetesExecutorTest {
  static final String NS = "rap-jobs";
  static Vertx vertx;
  static DockerApi docker;
  @TempDir static Path base;
  static TestCluster cluster;
  static KubernetesClient client;

  ExecutorFixture fx;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    docker = DockerApi.connect();
    cluster =
        TestCluster.start(
            FakeNode.withLabels(Map.of("rap.opensafely.org/backend", "test")),
            Map.of("rap-storage", base));
    client = cluster.client(NS);
  }

  @AfterAll
  static void stop() throws Exception {
    cluster.close();
    docker.close();
    vertx.close().await();
  }

  @BeforeEach
  void fixture() throws Exception {
    fx = new ExecutorFixture(vertx, docker, Files.createTempDirectory(base, "study"));
  }

  @AfterEach
  void tearDown() {
    fx.executors.forEach(ExecutorLifecycle::close);
  }

  /** Pods that wait for an image or a node fail after 3 s; others have a minute to start. */
  static KubernetesConfig config(Map<String, String> nodeSelector) {
    return config(nodeSelector, Duration.ofSeconds(60));
  }

  static KubernetesConfig config(Map<String, String> nodeSelector, Duration pendingTimeout) {
    return new KubernetesConfig(
        Optional.of(NS),
        Optional.empty(),
        nodeSelector,
        List.of(),
        List.of("registry-credentials"),
        Optional.of("rap-storage"),
        Optional.of(base),
        pendingTimeout,
        Duration.ofSeconds(3600));
  }

  static ExecutorSettings settings() {
    return ExecutorSettings.local("test", base).withDockerUser("10001:10001");
  }

  ExecutorLifecycle lifecycle(KubernetesConfig config) {
    ExecutorSettings settings = settings();
    KubernetesExecutor executor =
        new KubernetesExecutor(vertx, cluster.client(NS), true, settings, config);
    return fx.add(
        ExecutorLifecycle.create(
            vertx, executor, settings, id -> Future.succeededFuture(new JsonObject())));
  }

  ExecutorLifecycle lifecycle() {
    return lifecycle(config(Map.of("rap.opensafely.org/backend", "test")));
  }

  JobDefinition job(String script, Map<String, String> outputs, Consumer<JsonObject> tweak) {
    return fx.job(script, outputs, tweak);
  }

  Path medium(String workspace, String rel) {
    return base.resolve("medium_privacy/workspaces").resolve(workspace).resolve(rel);
  }

  JsonObject metadata(JobDefinition job) throws Exception {
    return new JsonObject(
        Files.readString(
            base.resolve("high_privacy/logs/2025-11/os-job-" + job.id()).resolve("metadata.json")));
  }

  static JobStatus awaitExecuted(ExecutorLifecycle lc, JobDefinition job) throws Exception {
    lc.awaitExit(job).await(60, TimeUnit.SECONDS);
    return lc.status(job, false).await();
  }

  static Throwable failureOf(Future<?> f) {
    try {
      f.await(60, TimeUnit.SECONDS);
    } catch (Throwable t) {
      return t;
    }
    throw new AssertionError("expected a failure");
  }

  static String phase(Pod pod) {
    return pod.getStatus() == null ? "" : String.valueOf(pod.getStatus().getPhase());
  }

  @Test
  void aJobRunsAsAHardenedKubernetesJobAndIsFinalized() throws Exception {
    ExecutorLifecycle lc = lifecycle();
    JobDefinition job =
        job(
            "mkdir -p output; echo hello from the pod; id -u;"
                + " printf 'a,b\\n1,2\\n' > output/summary.csv",
            Map.of("output/summary.csv", "moderately_sensitive"),
            j -> j.put("workspace", "k8s").put("cpu_count", 0.5).put("memory_limit", "128M"));
    assertEquals(ExecutorState.PREPARED, lc.prepare(job).await().state());
    JobStatus executing = lc.execute(job).await();
    assertTrue(
        executing.state() == ExecutorState.EXECUTING || executing.state() == ExecutorState.EXECUTED,
        executing.toString());

    Job k8sJob = client.batch().v1().jobs().withName(KubernetesJobSpec.jobName(job)).get();
    assertNotNull(k8sJob);
    assertEquals("os-job-" + job.id() + "-001", k8sJob.getMetadata().getName());
    Map<String, String> labels = k8sJob.getMetadata().getLabels();
    assertEquals(job.id(), labels.get("rap.opensafely.org/job-id"));
    assertEquals(job.taskId(), labels.get("rap.opensafely.org/task-id"));
    assertEquals(job.rapId(), labels.get("rap.opensafely.org/rap-id"));
    assertEquals("k8s", labels.get("rap.opensafely.org/workspace"));
    assertEquals(job.action(), labels.get("rap.opensafely.org/action"));
    assertEquals("test", labels.get("rap.opensafely.org/backend"));
    assertEquals("false", labels.get("rap.opensafely.org/database-access"));
    assertEquals("job", labels.get("app.kubernetes.io/component"));
    assertEquals(0, k8sJob.getSpec().getBackoffLimit());
    assertEquals(3600, k8sJob.getSpec().getTtlSecondsAfterFinished());
    PodSpec pod = k8sJob.getSpec().getTemplate().getSpec();
    assertEquals(labels, k8sJob.getSpec().getTemplate().getMetadata().getLabels());
    assertEquals("Never", pod.getRestartPolicy());
    assertEquals(false, pod.getAutomountServiceAccountToken());
    assertEquals(false, pod.getEnableServiceLinks());
    assertEquals(10001L, pod.getSecurityContext().getRunAsUser());
    assertEquals(10001L, pod.getSecurityContext().getRunAsGroup());
    assertEquals(true, pod.getSecurityContext().getRunAsNonRoot());
    assertEquals("RuntimeDefault", pod.getSecurityContext().getSeccompProfile().getType());
    assertEquals(Map.of("rap.opensafely.org/backend", "test"), pod.getNodeSelector());
    assertEquals("registry-credentials", pod.getImagePullSecrets().get(0).getName());
    assertEquals("None", pod.getDnsPolicy());
    assertEquals(1, pod.getContainers().size());
    Container c = pod.getContainers().get(0);
    assertEquals("job", c.getName());
    assertEquals(ExecutorFixture.IMAGE, c.getImage());
    assertEquals(job.args(), c.getArgs());
    assertEquals("/workspace", c.getWorkingDir());
    assertEquals(false, c.getSecurityContext().getAllowPrivilegeEscalation());
    assertEquals(false, c.getSecurityContext().getPrivileged());
    assertEquals(true, c.getSecurityContext().getReadOnlyRootFilesystem());
    assertEquals(List.of("ALL"), c.getSecurityContext().getCapabilities().getDrop());
    assertEquals(new Quantity("500m"), c.getResources().getLimits().get("cpu"));
    assertEquals(new Quantity("128Mi"), c.getResources().getLimits().get("memory"));
    assertEquals(c.getResources().getLimits(), c.getResources().getRequests());
    assertEquals(
        List.of("HOME=/tmp", "OPENSAFELY_BACKEND=test"),
        c.getEnv().stream().map(e -> e.getName() + "=" + e.getValue()).toList());
    assertEquals("workspace", c.getVolumeMounts().get(0).getName());
    assertEquals("/workspace", c.getVolumeMounts().get(0).getMountPath());
    assertEquals("high_privacy/volumes/" + job.id(), c.getVolumeMounts().get(0).getSubPath());
    assertEquals("/tmp", c.getVolumeMounts().get(1).getMountPath());
    assertEquals("rap-storage", pod.getVolumes().get(0).getPersistentVolumeClaim().getClaimName());
    assertNotNull(pod.getVolumes().get(1).getEmptyDir());

    assertEquals(ExecutorState.EXECUTED, awaitExecuted(lc, job).state());
    JobStatus done = lc.finalizeJob(job, false, null).await();
    assertEquals(ExecutorState.FINALIZED, done.state(), done.results().encodePrettily());
    assertEquals("Completed successfully", done.results().getString("status_message"));
    assertEquals("a,b\n1,2\n", Files.readString(medium("k8s", "output/summary.csv")));
    String log = Files.readString(medium("k8s", "metadata/" + job.action() + ".log"));
    assertTrue(log.contains("hello from the pod"), log);
    assertTrue(log.contains("10001"), "the job ran as the job user: " + log);
    JsonObject meta = metadata(job);
    assertEquals("0", meta.getString("exit_code"));
    assertEquals(false, meta.getBoolean("oom_killed"));
    assertEquals(
        "os-job-" + job.id() + "-001",
        meta.getJsonObject("container_metadata")
            .getJsonObject("job")
            .getJsonObject("metadata")
            .getString("name"));

    lc.cleanup(job).await();
    assertNull(client.batch().v1().jobs().withName(KubernetesJobSpec.jobName(job)).get());
    assertFalse(Files.exists(base.resolve("high_privacy/volumes/" + job.id())));
    // a second handling finds the finalized job: nothing runs again
    assertEquals(ExecutorState.FINALIZED, lc.execute(job).await().state());
    assertNull(client.batch().v1().jobs().withName(KubernetesJobSpec.jobName(job)).get());
  }

  @Test
  void anOomKillIsReportedAsDockerReportsIt() throws Exception {
    ExecutorLifecycle lc = lifecycle();
    JobDefinition job =
        job(
            "x=a; while true; do x=$x$x; done",
            Map.of("output/x.csv", "moderately_sensitive"),
            j -> j.put("memory_limit", "16M"));
    lc.prepare(job).await();
    lc.execute(job).await();
    assertEquals(ExecutorState.EXECUTED, awaitExecuted(lc, job).state());
    JobStatus done = lc.finalizeJob(job, false, null).await();
    assertEquals(
        "Job ran out of memory (limit was 0.02GB)", done.results().getString("status_message"));
    JsonObject meta = metadata(job);
    assertEquals("137", meta.getString("exit_code"));
    assertEquals(true, meta.getBoolean("oom_killed"));
    lc.cleanup(job).await();
  }

  @Test
  void anImageThatCannotBePulledFailsTheJobWithItsMessage() throws Exception {
    ExecutorLifecycle lc =
        lifecycle(config(Map.of("rap.opensafely.org/backend", "test"), Duration.ofSeconds(3)));
    JobDefinition job =
        job("true", Map.of(), j -> j.put("image", "ghcr.io/opensafely-core/nosuchimage:v1"));
    lc.prepare(job).await();
    lc.execute(job).await();
    lc.awaitExit(job).await(60, TimeUnit.SECONDS);
    Throwable e = failureOf(lc.status(job, false));
    String message = e.getMessage();
    assertTrue(
        message.startsWith(
            "Docker image ghcr.io/opensafely-core/nosuchimage:v1 is not currently available"
                + " (not pulled within 3 s (K8S_PENDING_TIMEOUT): ImagePullBackOff"),
        message);
    assertTrue(e instanceof JobFailure, e.toString());
    JobStatus failed = lc.finalizeJob(job, false, new JsonObject().put("message", message)).await();
    assertEquals(ExecutorState.ERROR, failed.state());
    assertNull(client.batch().v1().jobs().withName(KubernetesJobSpec.jobName(job)).get());
    lc.cleanup(job).await();
  }

  @Test
  void aPodThatCannotBeScheduledFailsTheJobWithTheSchedulersMessage() throws Exception {
    ExecutorLifecycle lc = lifecycle(config(Map.of("disk", "ssd"), Duration.ofSeconds(3)));
    JobDefinition job = job("true", Map.of(), j -> {});
    lc.prepare(job).await();
    lc.execute(job).await();
    assertEquals(ExecutorState.EXECUTING, lc.status(job, false).await().state());
    lc.awaitExit(job).await(60, TimeUnit.SECONDS);
    Throwable e = failureOf(lc.status(job, false));
    assertEquals(
        "Job could not be scheduled on the Kubernetes cluster within 3 s (K8S_PENDING_TIMEOUT):"
            + " 0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector."
            + " preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.",
        e.getMessage());
    lc.cleanup(job).await();
  }

  @Test
  void cancellingDeletesTheJobAndItsPod() throws Exception {
    ExecutorLifecycle lc = lifecycle();
    JobDefinition job = job("echo started; sleep 600", Map.of(), j -> {});
    lc.prepare(job).await();
    lc.execute(job).await();
    TestCluster.await(
        () -> client.pods().withLabel("rap.opensafely.org/job-id", job.id()).list().getItems(),
        pods -> pods.size() == 1 && phase(pods.get(0)).equals("Running"));
    assertEquals(ExecutorState.EXECUTING, lc.status(job, true).await().state());
    lc.terminate(job).await();
    JobStatus done = lc.finalizeJob(job, true, null).await();
    assertEquals(ExecutorState.FINALIZED, done.state());
    assertEquals("Job cancelled by system", done.results().getString("status_message"));
    lc.cleanup(job).await();
    assertTrue(
        client.pods().withLabel("rap.opensafely.org/job-id", job.id()).list().getItems().isEmpty());
    TestCluster.await(
        () ->
            cluster.kubelet().containers().stream()
                .noneMatch(c -> c.getNames()[0].contains(job.id())),
        gone -> gone);
  }

  @Test
  void databaseSecretsReachThePodThroughASecretOfTheRunOnly() throws Exception {
    ExecutorSettings settings = settings();
    try (KubernetesExecutor executor =
        new KubernetesExecutor(vertx, cluster.client(NS), true, settings, config(Map.of()))) {
      JobDefinition job =
          job("echo \"url=$DATABASE_URL\"", Map.of(), j -> j.put("allow_database_access", true));
      Files.createDirectories(base.resolve("high_privacy/volumes").resolve(job.id()));
      executor.start(job, Map.of("DATABASE_URL", "mssql://user:s3cret@192.0.2.10:1433/db"));
      Job k8sJob = client.batch().v1().jobs().withName(KubernetesJobSpec.jobName(job)).get();
      EnvVar url =
          k8sJob.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
              .filter(e -> e.getName().equals("DATABASE_URL"))
              .findFirst()
              .orElseThrow();
      assertNull(url.getValue(), "the value is not in the Job");
      assertEquals(
          KubernetesJobSpec.jobName(job) + "-env", url.getValueFrom().getSecretKeyRef().getName());
      assertTrue(client.batch().v1().jobs().withName(k8sJob.getMetadata().getName()).get() != null);
      var secret = client.secrets().withName(KubernetesJobSpec.jobName(job) + "-env").get();
      assertEquals("Job", secret.getMetadata().getOwnerReferences().get(0).getKind());
      assertEquals(
          k8sJob.getMetadata().getUid(), secret.getMetadata().getOwnerReferences().get(0).getUid());
      // once the container has started, the Secret goes
      TestCluster.await(
          () -> {
            executor.inspect(job);
            return client.secrets().withName(KubernetesJobSpec.jobName(job) + "-env").get();
          },
          s -> s == null);
      Pod pod =
          TestCluster.await(
                  () ->
                      client
                          .pods()
                          .withLabel("rap.opensafely.org/job-id", job.id())
                          .list()
                          .getItems(),
                  pods ->
                      pods.size() == 1 && "Succeeded".equals(pods.get(0).getStatus().getPhase()))
              .get(0);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      executor.streamLogs(job, out);
      assertTrue(
          out.toString().contains("url=mssql://user:s3cret@192.0.2.10:1433/db"), out.toString());
      assertNotNull(pod);
      executor.remove(job);
    }
  }

  @Test
  void aNewAttemptFollowsTheJobOfAnEarlierOneInsteadOfRunningAgain() throws Exception {
    ExecutorLifecycle lc = lifecycle();
    JobDefinition first = job("sleep 600", Map.of(), j -> {});
    lc.prepare(first).await();
    lc.execute(first).await();
    JobDefinition second =
        JobDefinition.fromJson(first.toJson().put("task_id", first.id() + "-002"));
    assertEquals(ExecutorState.EXECUTING, lc.execute(second).await().state());
    assertEquals(
        List.of("os-job-" + first.id() + "-001"),
        client
            .batch()
            .v1()
            .jobs()
            .withLabel("rap.opensafely.org/job-id", first.id())
            .list()
            .getItems()
            .stream()
            .map(j -> j.getMetadata().getName())
            .toList(),
        "no second Job");
    lc.terminate(second).await();
    assertTrue(
        client
            .batch()
            .v1()
            .jobs()
            .withLabel("rap.opensafely.org/job-id", first.id())
            .list()
            .getItems()
            .isEmpty());
    lc.cleanup(second).await();
  }

  @Test
  void samplesComeFromTheMetricsApiWhileThePodRuns() throws Exception {
    ExecutorSettings settings = settings();
    try (KubernetesExecutor executor =
        new KubernetesExecutor(vertx, cluster.client(NS), true, settings, config(Map.of()))) {
      JobDefinition job = job("sleep 30", Map.of(), j -> {});
      Files.createDirectories(base.resolve("high_privacy/volumes").resolve(job.id()));
      RunningJob running = new RunningJob(job.id(), KubernetesJobSpec.jobName(job), 0);
      assertEquals(Optional.empty(), executor.sample(running), "no Job yet: no sample");
      executor.start(job, Map.of());
      TestCluster.await(
          () -> client.pods().withLabel("rap.opensafely.org/job-id", job.id()).list().getItems(),
          pods -> pods.size() == 1 && phase(pods.get(0)).equals("Running"));
      ContainerSample sample = executor.sample(running).orElseThrow();
      assertEquals(job.id(), sample.jobId());
      assertTrue(sample.memoryBytes() > 0, sample.toString());
      assertTrue(sample.cpuPercentage() >= 0, sample.toString());
      executor.kill(job);
      assertEquals(Optional.empty(), executor.sample(running), "no pod: no sample");
      executor.remove(job);
    }
  }

  @Test
  void aDatabaseTaskRunsAsAJobAndLeavesNothing() throws Exception {
    ExecutorSettings settings = settings();
    try (KubernetesExecutor executor =
        new KubernetesExecutor(vertx, cluster.client(NS), true, settings, config(Map.of()))) {
      String out =
          executor.runDbTask(
              ExecutorFixture.IMAGE,
              null,
              List.of("sh", "-c", "echo \"$DATABASE_URL\""),
              Map.of("DATABASE_URL", "mssql://u:p@db/x"),
              "none");
      assertEquals("mssql://u:p@db/x\n", out);
      DbTaskException e =
          assertThrows(
              DbTaskException.class,
              () ->
                  executor.runDbTask(
                      ExecutorFixture.IMAGE,
                      null,
                      List.of("sh", "-c", "exit 3"),
                      Map.of(),
                      "none"));
      assertEquals(
          "Command 'sh -c exit 3' in image "
              + ExecutorFixture.IMAGE
              + " returned non-zero exit status 3.",
          e.getMessage());
      assertTrue(
          client.batch().v1().jobs().list().getItems().stream()
              .noneMatch(j -> j.getMetadata().getName().startsWith("os-dbtask-")));
      assertTrue(
          client.secrets().list().getItems().stream()
              .noneMatch(s -> s.getMetadata().getName().startsWith("os-dbtask-")));
    }
  }
}
