package org.rap.agent.executor;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.rap.common.model.JobDefinition;
import org.rap.common.model.Privacy;

/**
 * The steps of running a job that task handling asks for (docs/spec/agent-executor.md section 2),
 * whatever runtime runs it: {@link ExecutorLifecycle} on an {@link Executor}, or the agent's {@link
 * ExecutorClient} asking the executor verticle over the event bus. Stateless: every call re-derives
 * state from the runtime and the disk, and every step is idempotent, so the agent may restart at
 * any moment. Nothing blocks the caller's thread.
 *
 * <p>Failed futures carry an {@link ExecutorException}: a {@link JobFailure} ({@code permanent()})
 * for permanent, user-facing problems (archived workspace, missing image, failed checkout, missing
 * input file, unknown database, refused path): the caller should finalize the job with that error
 * ({@code finalizeJob(job, false, {exception, message, traceback})}), which yields state {@code
 * error}. {@link ExecutorRetry} means a transient problem (the runtime timed out or is
 * unavailable): retry later. Anything else is unexpected; retry with a limit.
 *
 * <p>{@link JobStatus#results()} of {@code finalized}/{@code error} is already redacted ({@link
 * org.rap.agent.outputs.ResultsRedactor}, idempotent). Database secrets are added at execute time
 * (docs/spec/agent-executor.md section 5.1).
 */
public interface JobLifecycle {

  /** Current state. {@code cancelled}: a cancellation is being processed. */
  Future<JobStatus> status(JobDefinition job, boolean cancelled);

  /** Checks out code and inputs into the job volume; no-op unless the state is unknown. */
  Future<JobStatus> prepare(JobDefinition job);

  /** Starts the hardened container; no-op unless the state is prepared. */
  Future<JobStatus> execute(JobDefinition job);

  /**
   * Files outputs, writes logs, manifest and metadata. {@code error} non-null records a fatal error
   * ({@code {exception, message, traceback}}) and yields state {@code error}.
   */
  Future<JobStatus> finalizeJob(JobDefinition job, boolean cancelled, JsonObject error);

  /**
   * {@link #finalizeJob(JobDefinition, boolean, JsonObject)} fenced by the lease token of the
   * attempt (docs/spec/task-api.md section 8.3): fails with {@link StaleAttempt}, writing nothing,
   * when a later attempt has begun to finalize the job. This default has no fence.
   */
  default Future<JobStatus> finalizeJob(
      JobDefinition job, boolean cancelled, JsonObject error, Long fenceToken) {
    return finalizeJob(job, cancelled, error);
  }

  /**
   * Stops and removes this attempt's run and volume, writing nothing: its lease is gone. This
   * default removes the run and volume as {@link #cleanup} does.
   */
  default Future<Void> abandon(JobDefinition job) {
    return cleanup(job);
  }

  /** The runs {@code agentId} started that the runtime still has. This default knows none. */
  default Future<List<RunLabels.OwnedRun>> ownedRuns(String agentId) {
    return Future.succeededFuture(List.of());
  }

  /** Kills a running container (no-op when not running). */
  Future<JobStatus> terminate(JobDefinition job);

  /** Removes the container and the job volume directory. */
  Future<Void> cleanup(JobDefinition job);

  /**
   * Completes when the job's container is no longer running (at once when it has already exited or
   * does not exist), without polling and without blocking an event loop. Only a wake-up hint: the
   * caller derives the state again with {@link #status}. Fails when the container cannot be watched
   * (the caller then falls back to polling).
   */
  default Future<Void> awaitExit(JobDefinition job) {
    return Future.failedFuture(new UnsupportedOperationException("awaitExit"));
  }

  /** Deletes files of a workspace; returns the names that could not be deleted. */
  Future<List<String>> deleteFiles(String workspace, Privacy privacy, List<String> files);
}
