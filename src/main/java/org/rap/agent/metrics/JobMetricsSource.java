package org.rap.agent.metrics;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * The per-job resource aggregates the metrics verticle collected (docs/spec/observability.md
 * section 1), for finalize to copy into {@code metadata.json} as {@code job_metrics}: in the agent
 * a request to the metrics verticle ({@link MetricsClient}). A job without samples, or a missing
 * store, gives an empty object.
 */
@FunctionalInterface
public interface JobMetricsSource {
  JobMetricsSource NONE = jobId -> Future.succeededFuture(new JsonObject());

  Future<JsonObject> metricsFor(String jobId);
}
