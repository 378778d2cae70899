package org.rap.agent.executor.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.vertx5.Vertx5HttpClient;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rap.common.config.ConfigException;
import org.rap.common.config.KubernetesConfig;
import org.rap.testing.k8s.MockKubernetes;

/** The agent's client: configuration, namespace, and one HTTP stack (Vert.x 5, shared). */
@Tag("kubernetes")
class KubernetesClientsTest {
  static MockKubernetes mock;
  static Vertx vertx;
  @TempDir Path dir;

  @BeforeAll
  static void start() {
    mock = MockKubernetes.start();
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    mock.close();
    vertx.close().await();
  }

  private static KubernetesConfig config(Optional<String> namespace, Path kubeconfig) {
    return new KubernetesConfig(
        namespace,
        Optional.of(kubeconfig),
        Map.of(),
        List.of(),
        List.of(),
        Optional.of("rap-storage"),
        Optional.empty(),
        Duration.ofMinutes(20),
        Duration.ofDays(7));
  }

  @Test
  void talksToTheApiServerThroughTheAgentsVertx() throws Exception {
    Path kubeconfig = mock.writeKubeconfig(dir, "from-kubeconfig");
    Path noServiceAccount = dir.resolve("absent");
    try (KubernetesClient client =
        KubernetesClients.create(vertx, config(Optional.empty(), kubeconfig), noServiceAccount)) {
      assertEquals(Vertx5HttpClient.class, client.getHttpClient().getClass());
      assertEquals("from-kubeconfig", client.getNamespace());
      client
          .configMaps()
          .resource(
              new ConfigMapBuilder()
                  .withNewMetadata()
                  .withName("probe")
                  .endMetadata()
                  .addToData("k", "v")
                  .build())
          .create();
      assertEquals(
          "v",
          client
              .configMaps()
              .inNamespace("from-kubeconfig")
              .withName("probe")
              .get()
              .getData()
              .get("k"));
    }
    // the client did not own (and so did not close) the agent's Vert.x
    assertEquals("still up", vertx.executeBlocking(() -> "still up").await());
  }

  @Test
  void namespaceComesFromTheSettingThenTheServiceAccountThenTheKubeconfig() throws Exception {
    Path kubeconfig = mock.writeKubeconfig(dir, "from-kubeconfig");
    Path serviceAccount = Files.writeString(dir.resolve("namespace"), "agent-ns\n");
    assertEquals(
        "set",
        KubernetesClients.clientConfig(config(Optional.of("set"), kubeconfig), serviceAccount)
            .getNamespace());
    assertEquals(
        "agent-ns",
        KubernetesClients.clientConfig(config(Optional.empty(), kubeconfig), serviceAccount)
            .getNamespace());
    assertEquals(
        "from-kubeconfig",
        KubernetesClients.clientConfig(config(Optional.empty(), kubeconfig), dir.resolve("none"))
            .getNamespace());
    Path noNamespace = mock.writeKubeconfig(Files.createDirectory(dir.resolve("other")), null);
    assertEquals(
        "default",
        KubernetesClients.clientConfig(config(Optional.empty(), noNamespace), dir.resolve("none"))
            .getNamespace());
    assertTrue(
        KubernetesClients.clientConfig(config(Optional.empty(), kubeconfig), dir.resolve("none"))
            .getMasterUrl()
            .startsWith(mock.url().replaceFirst("/$", "")));
  }

  @Test
  void anUnusableKubeconfigIsAConfigurationError() throws Exception {
    Path broken = Files.writeString(dir.resolve("broken"), "clusters: [");
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () ->
                KubernetesClients.clientConfig(
                    config(Optional.empty(), broken), dir.resolve("none")));
    assertTrue(e.getMessage().contains("KUBECONFIG " + broken + " cannot be used"), e.getMessage());
  }
}
