package org.rap.agent;

import io.vertx.core.Vertx;
import org.rap.agent.executor.Executor;
import org.rap.common.config.AgentConfig;

/**
 * WIRING POINT: builds the agent's {@link Executor}. The Docker executor lives on the {@code
 * agent} branch; when the branches merge, point {@link #create} at {@code DockerExecutor} (and
 * give it the {@link org.rap.agent.metrics.JobMetricsSource}). Until then it throws.
 */
public final class Executors {
  private Executors() {}

  public static Executor create(Vertx vertx, AgentConfig config) {
    // TODO(lead): return new DockerExecutor(vertx, config, ...) once the agent branch is merged.
    throw new IllegalStateException(
        "executor not wired: EXECUTOR=" + config.executor() + " has no implementation yet");
  }
}
