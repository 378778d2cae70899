package org.rap.testing.k8s;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.rap.agent.executor.docker.DockerApi;

/**
 * A Kubernetes cluster for tests: the mock API server, the test Job controller and the test kubelet
 * on one {@link FakeNode}, running pods with the local Docker engine. Each cluster has its own run
 * id, so parallel runs never touch each other's containers; {@link #close} removes its containers.
 */
public final class TestCluster implements AutoCloseable {
  private final Vertx vertx = Vertx.vertx();
  private final List<KubernetesClient> clients = new ArrayList<>();
  private final MockKubernetes api;
  private final DockerApi docker;
  private final TestJobController jobs;
  private final TestKubelet kubelet;

  private TestCluster(FakeNode node, Map<String, Path> claims) {
    String runId = "t" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    api = MockKubernetes.start();
    docker = DockerApi.connect();
    jobs = new TestJobController(client("default")).start();
    kubelet = new TestKubelet(client("default"), docker, node, claims, runId).start(api);
  }

  /**
   * A cluster whose node has {@code node}'s labels, taints and capacity, and can mount the claims
   * named in {@code claims} (claim name → host directory).
   */
  public static TestCluster start(FakeNode node, Map<String, Path> claims) {
    return new TestCluster(node, claims);
  }

  /** A new client of the API server in {@code namespace} (closed with the cluster). */
  public synchronized KubernetesClient client(String namespace) {
    KubernetesClient c = api.client(vertx, namespace);
    clients.add(c);
    return c;
  }

  public MockKubernetes api() {
    return api;
  }

  public TestKubelet kubelet() {
    return kubelet;
  }

  public DockerApi docker() {
    return docker;
  }

  /**
   * Polls {@code get} until its value satisfies {@code until} (at most 60 s) and returns that
   * value. Used instead of fabric8's waitUntilCondition: the mock server's watches do not replay a
   * change made between the list and the watch that method starts, so it may wait for nothing.
   */
  public static <T> T await(Supplier<T> get, Predicate<T> until) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      T value = get.get();
      if (until.test(value)) {
        return value;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after 60 s; last value: " + value);
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted", e);
      }
    }
  }

  @Override
  public void close() throws IOException {
    try {
      kubelet.close();
      jobs.close();
    } finally {
      synchronized (this) {
        clients.forEach(KubernetesClient::close);
      }
      api.close();
      docker.close();
      vertx.close().await();
    }
  }
}
