package org.rap.testing.k8s;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Queue;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.rap.agent.executor.kubernetes.KubernetesClients;

/**
 * fabric8's mock API server in CRUD mode (objects are stored, listed, watched, patched and deleted
 * as a real API server would; nothing acts on them) on a random loopback port, plain HTTP, with the
 * kubelet's log and metrics APIs answered by whatever {@link #serve} registers.
 */
public final class MockKubernetes implements AutoCloseable {
  /**
   * The mock server logs every request at INFO; kept referenced so the level holds
   * (java.util.logging keeps loggers weakly), and set again at each start (tests that configure
   * logging reset it).
   */
  private static final Logger FABRIC8 = Logger.getLogger("io.fabric8");

  private final KubernetesMockServer server;
  private final KubeletDispatcher dispatcher;

  private MockKubernetes() {
    Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
    dispatcher = new KubeletDispatcher(new KubernetesMixedDispatcher(responses));
    server =
        new KubernetesMockServer(
            new Context(Serialization.jsonMapper()),
            new MockWebServer(),
            responses,
            dispatcher,
            false);
  }

  /** Starts a server. */
  public static MockKubernetes start() {
    FABRIC8.setLevel(Level.WARNING);
    MockKubernetes mock = new MockKubernetes();
    mock.server.init();
    return mock;
  }

  /** Answers the pod log and metrics APIs from {@code apis} (the test kubelet). */
  void serve(KubeletDispatcher.PodApis apis) {
    dispatcher.serve(apis);
  }

  /** {@code http://localhost:<port>/}. */
  public String url() {
    return server.url("/");
  }

  /** A client configuration for this server in {@code namespace} (no kubeconfig is read). */
  public Config clientConfig(String namespace) {
    return new ConfigBuilder(Config.empty())
        .withMasterUrl(url())
        .withNamespace(namespace)
        .withRequestRetryBackoffLimit(0)
        .build();
  }

  /** A client on {@code vertx}, the way the agent creates its own. */
  public KubernetesClient client(Vertx vertx, String namespace) {
    return KubernetesClients.create(vertx, clientConfig(namespace));
  }

  /** A kubeconfig file whose current context is this server, with {@code namespace}. */
  public Path writeKubeconfig(Path dir, String namespace) throws IOException {
    Path file = dir.resolve("kubeconfig");
    String base = url().replaceFirst("/$", "");
    Files.writeString(
        file,
        String.join(
            "\n",
            "apiVersion: v1",
            "kind: Config",
            "clusters:",
            "- name: mock",
            "  cluster: {server: \"" + base + "\"}",
            "users:",
            "- name: agent",
            "  user: {token: mock-token}",
            "contexts:",
            "- name: mock",
            "  context: {cluster: mock, user: agent"
                + (namespace == null ? "" : ", namespace: " + namespace)
                + "}",
            "current-context: mock",
            ""));
    return file;
  }

  @Override
  public void close() {
    server.destroy();
  }
}
