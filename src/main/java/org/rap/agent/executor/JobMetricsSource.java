package org.rap.agent.executor;

import io.vertx.core.json.JsonObject;

/**
 * The per-job resource aggregates (observability.md section 1) copied into {@code metadata.json}
 * as {@code job_metrics} at finalize. Called on a worker thread; may block. Never null.
 */
@FunctionalInterface
public interface JobMetricsSource {
  JobMetricsSource NONE = jobId -> new JsonObject();

  JsonObject metricsFor(String jobId);
}
