package org.rap.agent;

import io.vertx.core.Vertx;
import org.rap.agent.executor.DockerExecutor;
import org.rap.agent.executor.Executor;
import org.rap.agent.metrics.JobMetricsSource;
import org.rap.common.config.AgentConfig;
import org.rap.common.telemetry.Telemetry;

/**
 * Builds the agent's {@link Executor} (the Docker executor; {@code EXECUTOR} is validated by the
 * configuration).
 */
public final class Executors {
  private Executors() {}

  public static Executor create(Vertx vertx, AgentConfig config, JobMetricsSource metrics) {
    return DockerExecutor.create(vertx, config, metrics);
  }

  /** Timing Docker and git calls into {@code telemetry}. */
  public static Executor create(
      Vertx vertx, AgentConfig config, JobMetricsSource metrics, Telemetry telemetry) {
    return DockerExecutor.create(vertx, config, metrics, telemetry);
  }

  public static Executor create(Vertx vertx, AgentConfig config) {
    return create(vertx, config, JobMetricsSource.NONE);
  }
}
