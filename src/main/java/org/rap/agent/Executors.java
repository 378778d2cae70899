package org.rap.agent;

import io.vertx.core.Vertx;
import org.rap.agent.executor.Executor;
import org.rap.agent.executor.ExecutorSettings;
import org.rap.agent.executor.docker.DockerExecutor;
import org.rap.common.config.AgentConfig;
import org.rap.common.telemetry.Telemetry;

/**
 * Builds the agent's container runtime ({@code EXECUTOR}, validated by the configuration: the
 * Docker executor). A runtime is added here, next to its configuration value.
 */
public final class Executors {
  private Executors() {}

  /** The runtime {@code config} selects, timing its calls into {@code telemetry}. */
  public static Executor create(Vertx vertx, AgentConfig config, Telemetry telemetry) {
    return DockerExecutor.connecting(
        vertx, ExecutorSettings.from(config), telemetry.calls("docker"));
  }
}
