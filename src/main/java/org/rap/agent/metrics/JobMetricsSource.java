package org.rap.agent.metrics;

import io.vertx.core.json.JsonObject;

/**
 * The per-job resource aggregates the metrics verticle collected (docs/spec/observability.md
 * section 1), for finalize to copy into {@code metadata.json} as {@code job_metrics}. Blocking
 * (reads a local SQLite file): call it from a worker thread, as finalize does. Never fails: a job
 * without samples, or a missing store, gives an empty object.
 */
@FunctionalInterface
public interface JobMetricsSource {
  JobMetricsSource NONE = jobId -> new JsonObject();

  JsonObject metricsFor(String jobId);
}
