package org.rap.agent.executor;

import io.vertx.core.Future;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.rap.agent.metrics.ContainerSample;
import org.rap.agent.metrics.RunningJob;
import org.rap.common.model.JobDefinition;

/**
 * A container runtime that runs jobs (Docker: {@code EXECUTOR=docker}): only what depends on the
 * runtime. Everything else, the same for every runtime, is {@link ExecutorLifecycle}'s: deriving a
 * job's state from the run and the disk, preparing the job's volume (code and inputs), finalizing
 * (outputs, level-4 checks, logs, manifest, metadata, redaction), clean-up of the volume, restart
 * recovery and retries (docs/spec/agent-executor.md sections 2 to 9).
 *
 * <p>The job's volume is a directory the agent prepares before {@link #start}: {@link
 * JobLayout#volumeDir} ({@code HIGH_PRIVACY_VOLUME_DIR/<job id>}), mounted at {@code /workspace}; a
 * runtime whose jobs run elsewhere mounts the same directory through shared storage, and the agent
 * reads the outputs back from it.
 *
 * <p>The runtime keeps no state of its own: a run is found by the job's id alone ({@link
 * #inspect}), so a restarted agent finds its jobs again, and starting is idempotent (a job never
 * gets a second run). Methods other than {@link #awaitExit} block: the lifecycle calls them on its
 * worker threads. Failures are {@link JobFailure} (permanent: the job ends in state {@code error})
 * or {@link ExecutorRetry} (transient: the handling is retried); anything else counts as transient.
 */
public interface Executor extends AutoCloseable {

  /**
   * Makes the job's image available to the runtime before the job is prepared (section 4 step 2):
   * an image it cannot have is a {@link JobFailure}, an unreachable registry an {@link
   * ExecutorRetry}.
   */
  void pullImage(JobDefinition job);

  /** The job's run, found by job id (also after an agent restart); empty when it has none. */
  Optional<JobRun> inspect(JobDefinition job);

  /**
   * Starts the run of a prepared job in the hardened container (section 5.2): the job's image,
   * arguments, environment plus {@code secrets}, resources, user, network and labels, its volume at
   * {@code /workspace}. Does nothing when the job has a run already.
   *
   * @param secrets the database secrets of section 5.1 (empty for most jobs): in memory only, never
   *     in anything that outlives the run or that an operator can read
   */
  void start(JobDefinition job, Map<String, String> secrets);

  /**
   * Completes when the job's run is no longer running (at once when it has stopped or does not
   * exist), without polling and without blocking an event loop, on the caller's context. Only a
   * wake-up: the caller derives the state again. Fails when the runtime cannot watch the run (the
   * caller then polls); this default always fails.
   */
  default Future<Void> awaitExit(JobDefinition job) {
    return Future.failedFuture(new UnsupportedOperationException("awaitExit"));
  }

  /**
   * Writes the run's output, standard output and error together with a timestamp before each line,
   * at most its last {@code 100,000} lines, to {@code sink} as it arrives (section 7.3 step 1); the
   * caller bounds and redacts it. Nothing for a job without a run.
   *
   * @throws IOException when {@code sink} fails
   */
  void streamLogs(JobDefinition job, OutputStream sink) throws IOException;

  /**
   * Kills the job's running run at once (SIGKILL) and returns when it no longer runs; nothing when
   * it does not run (section 8, terminate).
   */
  void kill(JobDefinition job);

  /** Removes the job's run whatever its phase; none is fine (section 8, clean-up). */
  void remove(JobDefinition job);

  /**
   * Runs the database utilities image once with {@code args} and {@code env} in the hardened
   * container (section 11), on {@code network}, and returns its standard output.
   *
   * @throws DbTaskException for a non-zero exit, an image it cannot have, or a runtime problem
   */
  String runDbTask(
      String image, String imageSha, List<String> args, Map<String, String> env, String network);

  /**
   * One resource sample of a running job (observability.md section 1 step 2), empty when it no
   * longer runs or the runtime has none; this default has none.
   */
  default Optional<ContainerSample> sample(RunningJob job) {
    return Optional.empty();
  }

  /**
   * Removes {@code run} (one attempt's run of {@code job}) and no other: on a runtime several
   * agents share, the job's name may stand for a later attempt's run by now. This default removes
   * by job.
   */
  default void removeRun(JobDefinition job, JobRun run) {
    remove(job);
  }

  /**
   * The runs labelled with {@code agentId} ({@link RunLabels#AGENT}): an agent restarted after its
   * leases ran out removes those it no longer holds. This default finds none.
   */
  default List<RunLabels.OwnedRun> runsOf(String agentId) {
    return List.of();
  }

  /** Returns when the runtime answers; throws naming the problem when it does not (readiness). */
  void ping();

  /** Closes the runtime's connections (blocking). */
  @Override
  void close();
}
