package org.rap.testing.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.fabric8.kubernetes.api.model.metrics.v1beta1.PodMetrics;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rap.agent.executor.docker.DockerApi;

/** The test kubelet itself, driven through fabric8's client as the agent will drive it. */
@Tag("docker")
@Tag("kubernetes")
class TestKubeletTest {
  static final String IMAGE = "ghcr.io/opensafely-core/busybox:latest";
  static final String NS = "kubelet-test";

  @TempDir static Path claimDir;
  static TestCluster cluster;
  static KubernetesClient client;

  @BeforeAll
  static void start() {
    cluster =
        TestCluster.start(
            FakeNode.withLabels(Map.of("disk", "hdd"))
                .withTaints(
                    new TaintBuilder()
                        .withKey("dedicated")
                        .withValue("rap")
                        .withEffect("NoSchedule")
                        .build()),
            Map.of("storage", claimDir));
    client = cluster.client(NS);
  }

  @AfterAll
  static void stop() throws Exception {
    String runId = cluster.kubelet().runId();
    cluster.close();
    try (DockerApi docker = DockerApi.connect()) {
      assertEquals(
          List.of(),
          docker
              .client()
              .listContainersCmd()
              .withShowAll(true)
              .withLabelFilter(Map.of(TestKubelet.RUN_LABEL, runId))
              .exec(),
          "containers left behind");
    }
  }

  static Pod pod(String name, String script, String memoryLimit) {
    PodBuilder b =
        new PodBuilder()
            .withNewMetadata()
            .withName(name)
            .endMetadata()
            .withNewSpec()
            .withRestartPolicy("Never")
            .addNewToleration()
            .withKey("dedicated")
            .withOperator("Equal")
            .withValue("rap")
            .withEffect("NoSchedule")
            .endToleration()
            .addNewContainer()
            .withName("job")
            .withImage(IMAGE)
            .withCommand("/bin/sh", "-c")
            .withArgs(script)
            .endContainer()
            .endSpec();
    if (memoryLimit != null) {
      b.editSpec()
          .editFirstContainer()
          .withNewResources()
          .withLimits(Map.of("memory", new Quantity(memoryLimit)))
          .endResources()
          .endContainer()
          .endSpec();
    }
    return b.build();
  }

  static Pod await(String name, Predicate<Pod> condition) {
    return TestCluster.await(() -> client.pods().withName(name).get(), condition);
  }

  static boolean finished(Pod p) {
    return p != null
        && p.getStatus() != null
        && List.of("Succeeded", "Failed").contains(p.getStatus().getPhase());
  }

  static ContainerStatus container(Pod p) {
    return p.getStatus().getContainerStatuses().get(0);
  }

  @Test
  void podExitingZeroSucceedsWithItsLog() {
    client.pods().resource(pod("ok", "echo hello; sleep 0.2; echo oops >&2", null)).create();
    Pod done = await("ok", TestKubeletTest::finished);
    assertEquals("Succeeded", done.getStatus().getPhase());
    var terminated = container(done).getState().getTerminated();
    assertEquals(0, terminated.getExitCode());
    assertEquals("Completed", terminated.getReason());
    assertNotNull(terminated.getStartedAt());
    assertNotNull(terminated.getFinishedAt());
    assertTrue(container(done).getContainerID().startsWith("docker://"));
    assertEquals("test-node", done.getSpec().getNodeName());
    String log = client.pods().withName("ok").getLog();
    assertEquals("hello\noops\n", log);
    String stamped = client.pods().withName("ok").usingTimestamps().getLog();
    assertTrue(
        stamped.matches("(?s)\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d+Z hello.*"), stamped);
    assertEquals("oops\n", client.pods().withName("ok").tailingLines(1).getLog());
  }

  @Test
  void podExitingThreeFails() {
    client.pods().resource(pod("three", "exit 3", null)).create();
    Pod done = await("three", TestKubeletTest::finished);
    assertEquals("Failed", done.getStatus().getPhase());
    assertEquals(3, container(done).getState().getTerminated().getExitCode());
    assertEquals("Error", container(done).getState().getTerminated().getReason());
  }

  @Test
  void memoryHogIsOomKilled() {
    client.pods().resource(pod("hog", "x=a; while true; do x=$x$x; done", "16Mi")).create();
    Pod done = await("hog", TestKubeletTest::finished);
    assertEquals("Failed", done.getStatus().getPhase());
    assertEquals(137, container(done).getState().getTerminated().getExitCode());
    assertEquals("OOMKilled", container(done).getState().getTerminated().getReason());
  }

  @Test
  void podWhoseSelectorNoNodeMatchesStaysPending() {
    Pod pod = pod("picky", "true", null);
    pod.getSpec().setNodeSelector(Map.of("disk", "ssd"));
    client.pods().resource(pod).create();
    Pod pending = await("picky", p -> scheduled(p) != null);
    PodCondition c = scheduled(pending);
    assertEquals("Pending", pending.getStatus().getPhase());
    assertEquals("False", c.getStatus());
    assertEquals("Unschedulable", c.getReason());
    assertEquals(
        "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector."
            + " preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.",
        c.getMessage());
    assertNull(pending.getSpec().getNodeName());
  }

  @Test
  void podNotToleratingTheTaintStaysPending() {
    Pod pod = pod("intolerant", "true", null);
    pod.getSpec().setTolerations(List.of());
    client.pods().resource(pod).create();
    PodCondition c = scheduled(await("intolerant", p -> scheduled(p) != null));
    assertEquals("Unschedulable", c.getReason());
    assertTrue(
        c.getMessage().contains("1 node(s) had untolerated taint {dedicated: rap}"),
        c.getMessage());
  }

  @Test
  void missingImageWaitsWithPullErrors() {
    Pod pod = pod("noimage", "true", null);
    pod.getSpec().getContainers().get(0).setImage("rap-test/absent:never");
    client.pods().resource(pod).create();
    Pod backOff = await("noimage", p -> waiting(p, "ImagePullBackOff"));
    assertEquals("Pending", backOff.getStatus().getPhase());
    assertEquals(
        "Back-off pulling image \"rap-test/absent:never\"",
        container(backOff).getState().getWaiting().getMessage());
    KubernetesClientException e =
        assertThrows(
            KubernetesClientException.class, () -> client.pods().withName("noimage").getLog());
    assertEquals(400, e.getCode());
    assertTrue(e.getMessage().contains("is waiting to start: ImagePullBackOff"), e.getMessage());
  }

  @Test
  void deletingARunningPodRemovesItsContainer() throws Exception {
    client.pods().resource(pod("sleeper", "sleep 300", null)).create();
    Pod running =
        await("sleeper", p -> p.getStatus() != null && "Running".equals(p.getStatus().getPhase()));
    assertNotNull(container(running).getState().getRunning().getStartedAt());
    PodMetrics metrics = client.top().pods().metrics(NS, "sleeper");
    assertEquals("job", metrics.getContainers().get(0).getName());
    assertNotNull(metrics.getContainers().get(0).getUsage().get("memory"));
    assertTrue(
        cluster.kubelet().containers().stream()
            .anyMatch(c -> c.getLabels().get(TestKubelet.POD_LABEL).equals(NS + ".sleeper")));
    client.pods().withName("sleeper").delete();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (cluster.kubelet().containers().stream()
            .anyMatch(c -> c.getLabels().get(TestKubelet.POD_LABEL).equals(NS + ".sleeper"))
        && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertTrue(
        cluster.kubelet().containers().stream()
            .noneMatch(c -> c.getLabels().get(TestKubelet.POD_LABEL).equals(NS + ".sleeper")));
  }

  static PodCondition scheduled(Pod p) {
    if (p == null || p.getStatus() == null) {
      return null;
    }
    return p.getStatus().getConditions().stream()
        .filter(c -> c.getType().equals("PodScheduled") && "False".equals(c.getStatus()))
        .findFirst()
        .orElse(null);
  }

  static boolean waiting(Pod p, String reason) {
    return p != null
        && p.getStatus() != null
        && !p.getStatus().getContainerStatuses().isEmpty()
        && container(p).getState().getWaiting() != null
        && reason.equals(container(p).getState().getWaiting().getReason());
  }
}
