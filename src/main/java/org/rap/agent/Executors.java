package org.rap.agent;

import io.vertx.core.Vertx;
import org.rap.agent.executor.Executor;
import org.rap.agent.metrics.JobMetricsSource;
import org.rap.common.config.AgentConfig;

/**
 * WIRING POINT: builds the agent's {@link Executor}. The Docker executor lives on the {@code
 * agent} branch; when the branches merge, point {@link #create(Vertx, AgentConfig,
 * JobMetricsSource)} at {@code DockerExecutor} (giving it the metrics source, whose {@code
 * metricsFor(jobId)} finalize copies into {@code job_metrics}), and delete {@link
 * UnwiredExecutor}. Until then it returns that placeholder: every executor call fails transiently
 * ("executor not wired"), tasks stay untouched, and {@code /health/ready} answers 503.
 */
public final class Executors {
  private Executors() {}

  public static Executor create(Vertx vertx, AgentConfig config, JobMetricsSource metrics) {
    // TODO(lead): return new DockerExecutor(vertx, config, metrics, ...) once the agent branch is merged.
    return new UnwiredExecutor();
  }

  public static Executor create(Vertx vertx, AgentConfig config) {
    return create(vertx, config, JobMetricsSource.NONE);
  }
}
