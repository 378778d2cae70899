package org.rap.agent.executor.kubernetes;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.vertx5.Vertx5HttpClientFactory;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.logging.Logger;
import org.rap.common.config.ConfigException;
import org.rap.common.config.KubernetesConfig;
import org.rap.common.text.KubernetesNames;

/**
 * The agent's Kubernetes API client: fabric8 on the agent's own Vert.x instance (its Vert.x 5 HTTP
 * client, so the agent has one HTTP stack and one set of event loops), configured from {@code
 * KUBECONFIG} or, without it, in-cluster from the pod's service account.
 *
 * <p>fabric8's synchronous calls ({@code get()}, {@code list()}, {@code create()}, ...) wait for
 * responses that arrive on those event loops: call them from worker threads only, never from an
 * event loop (they would wait for themselves).
 */
public final class KubernetesClients {
  private static final Logger LOG = Logger.getLogger(KubernetesClients.class.getName());

  /** Where Kubernetes puts the namespace of a pod's service account. */
  public static final Path SERVICE_ACCOUNT_NAMESPACE =
      Path.of("/var/run/secrets/kubernetes.io/serviceaccount/namespace");

  private KubernetesClients() {}

  /** A client of the cluster {@code config} names, in the namespace it selects. */
  public static KubernetesClient create(Vertx vertx, KubernetesConfig config) {
    return create(vertx, config, SERVICE_ACCOUNT_NAMESPACE);
  }

  static KubernetesClient create(
      Vertx vertx, KubernetesConfig config, Path serviceAccountNamespace) {
    Config client = clientConfig(config, serviceAccountNamespace);
    LOG.info(
        "Kubernetes API "
            + client.getMasterUrl()
            + " ("
            + config.kubeconfig().map(p -> "kubeconfig " + p).orElse("in-cluster")
            + "), namespace "
            + client.getNamespace());
    return create(vertx, client);
  }

  /** A client for an already built fabric8 {@link Config}, on {@code vertx}. */
  public static KubernetesClient create(Vertx vertx, Config clientConfig) {
    return new KubernetesClientBuilder()
        .withConfig(clientConfig)
        .withHttpClientFactory(new Vertx5HttpClientFactory(vertx))
        .build();
  }

  /**
   * The fabric8 configuration: the kubeconfig file's current context when {@code KUBECONFIG} is
   * set, else fabric8's automatic configuration (in a pod: the service account's token, CA
   * certificate and API server address), with the namespace of {@link #namespace}.
   *
   * @throws ConfigException when the kubeconfig cannot be read or used
   */
  static Config clientConfig(KubernetesConfig config, Path serviceAccountNamespace) {
    Config client;
    if (config.kubeconfig().isPresent()) {
      Path file = config.kubeconfig().get();
      try {
        client = Config.fromKubeconfig(file.toFile());
      } catch (RuntimeException e) { // unreadable, not YAML, no current context, ...
        throw new ConfigException(
            List.of("KUBECONFIG " + file + " cannot be used: " + e.getMessage()));
      }
    } else {
      client = Config.autoConfigure(null);
    }
    client.setNamespace(
        namespace(config, readNamespace(serviceAccountNamespace), client.getNamespace()));
    return client;
  }

  /**
   * {@code K8S_NAMESPACE}, else the service account's namespace (the agent's own, in a pod), else
   * the kubeconfig context's, else {@code default}.
   */
  static String namespace(
      KubernetesConfig config, Optional<String> serviceAccount, String fromClientConfig) {
    return config
        .namespace()
        .or(() -> serviceAccount)
        .or(() -> Optional.ofNullable(fromClientConfig).filter(n -> !n.isBlank()))
        .orElse("default");
  }

  /** The namespace in {@code file}, when it exists and holds a valid name. */
  static Optional<String> readNamespace(Path file) {
    try {
      if (!Files.isReadable(file)) {
        return Optional.empty();
      }
      String name = Files.readString(file).strip();
      return KubernetesNames.isDnsLabel(name) ? Optional.of(name) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }
}
