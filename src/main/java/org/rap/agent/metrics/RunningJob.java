package org.rap.agent.metrics;

/**
 * A job whose container the executor found running: what the metrics verticle samples until the
 * executor reports it stopped (docs/spec/observability.md section 1).
 *
 * @param runId the runtime's id of the run (a container id)
 * @param createdAtEpochSeconds when the run was created (its runtime is counted from then)
 */
public record RunningJob(String jobId, String runId, long createdAtEpochSeconds) {}
