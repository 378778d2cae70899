package org.rap.agent;

import io.vertx.core.Vertx;
import org.rap.agent.executor.Executor;
import org.rap.agent.executor.ExecutorSettings;
import org.rap.agent.executor.docker.DockerExecutor;
import org.rap.agent.executor.kubernetes.KubernetesExecutor;
import org.rap.common.config.AgentConfig;
import org.rap.common.telemetry.Telemetry;

/**
 * Builds the agent's container runtime ({@code EXECUTOR}, validated by the configuration: the
 * Docker executor or the Kubernetes one). A runtime is added here, next to its configuration value.
 */
public final class Executors {
  private Executors() {}

  /** The runtime {@code config} selects, timing its calls into {@code telemetry}. */
  public static Executor create(Vertx vertx, AgentConfig config, Telemetry telemetry) {
    ExecutorSettings settings = ExecutorSettings.from(config);
    if ("kubernetes".equals(config.executor())) {
      return KubernetesExecutor.connecting(vertx, settings, config.kubernetes());
    }
    return DockerExecutor.connecting(vertx, settings, telemetry.calls("docker"));
  }
}
