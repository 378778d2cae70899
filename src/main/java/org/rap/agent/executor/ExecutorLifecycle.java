package org.rap.agent.executor;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.rap.agent.metrics.JobMetricsSource;
import org.rap.agent.metrics.RunningJob;
import org.rap.agent.outputs.PathEscapeException;
import org.rap.agent.outputs.RawPaths;
import org.rap.agent.outputs.ResultsRedactor;
import org.rap.agent.outputs.SafePaths;
import org.rap.common.config.AgentConfig;
import org.rap.common.model.ExecutorState;
import org.rap.common.model.JobDefinition;
import org.rap.common.model.Privacy;
import org.rap.common.pipeline.ProjectParser;
import org.rap.common.telemetry.Telemetry;

/**
 * Running jobs on any {@link Executor} (docs/spec/agent-executor.md sections 2 to 9): everything
 * that does not depend on the container runtime, in one place for every runtime.
 *
 * <ul>
 *   <li>the state is derived on every call from the runtime's report of the job's run ({@link
 *       Executor#inspect}), the job's {@code metadata.json} ({@link JobMetadataStore}) and its
 *       volume's timestamp file (section 2), so an agent restarted at any moment resumes where it
 *       was;
 *   <li>prepare: the workspace checks, the image ({@link Executor#pullImage}), then the volume
 *       (code checkout, inputs, timestamp: {@link JobPreparer}), only from state unknown;
 *   <li>execute: the database secrets (section 5.1), then {@link Executor#start}, only from state
 *       prepared;
 *   <li>finalize: the run's report and output, the job's metrics, then outputs, level-4 checks,
 *       logs, manifest and, last, the metadata ({@link JobFinalizer}), its transient errors retried
 *       within a bound ({@link FinalizeRetry});
 *   <li>terminate ({@link Executor#kill}, or {@link Executor#remove} of a run never started),
 *       clean-up (the run and the volume), deleting workspace files.
 * </ul>
 *
 * <p>Blocking work runs on a worker pool of its own; every method returns a future. What it finds
 * out about runs goes to a {@link RunListener} (the metrics verticle, in the agent).
 */
public final class ExecutorLifecycle implements JobLifecycle, AutoCloseable {
  private static final Logger LOG = Logger.getLogger(ExecutorLifecycle.class.getName());
  private static final int WORKER_THREADS = 4;

  private final Vertx vertx;
  private final WorkerExecutor worker;
  private final Executor executor;
  private final ExecutorSettings settings;
  private final JobLayout layout;
  private final JobMetadataStore store;
  private final JobPreparer preparer;
  private final JobFinalizer finalizer;
  private final JobMetricsSource metrics;
  private final RunListener runs;
  private volatile FinalizeRetry finalizeRetry;
  private final RecentRuns seen = new RecentRuns(System::nanoTime);

  /**
   * @param checkout how code is checked out into a job's volume
   * @param projectActions the study's action names (the manifest's out-of-date flags)
   * @param metrics the jobs' resource aggregates, copied into their metadata
   */
  public ExecutorLifecycle(
      Vertx vertx,
      Executor executor,
      ExecutorSettings settings,
      CodeCheckout checkout,
      ProjectActions projectActions,
      JobMetricsSource metrics,
      RunListener runs) {
    this.vertx = vertx;
    this.worker =
        vertx.createSharedWorkerExecutor("rap-executor", WORKER_THREADS, 2, TimeUnit.HOURS);
    this.executor = executor;
    this.settings = settings;
    this.layout = new JobLayout(settings);
    this.store = new JobMetadataStore(settings.jobLogDir());
    this.preparer = new JobPreparer(settings, layout, checkout, store);
    this.finalizer = new JobFinalizer(layout, store, projectActions);
    this.metrics = metrics;
    this.runs = runs;
    this.finalizeRetry = new FinalizeRetry(vertx, FinalizeRetry.Policy.DEFAULT);
  }

  /**
   * The agent's lifecycle: settings from the agent configuration, code and project.yaml through the
   * shared git layer (timed into {@code telemetry}).
   */
  public static ExecutorLifecycle create(
      Vertx vertx,
      AgentConfig config,
      Executor executor,
      JobMetricsSource metrics,
      RunListener runs,
      Telemetry telemetry) {
    RawPaths.localeWarning().ifPresent(LOG::warning);
    ExecutorSettings settings = ExecutorSettings.from(config);
    GitCodeCheckout git =
        GitCodeCheckout.from(settings, ProjectParser.INSTANCE, telemetry.calls("git"));
    return new ExecutorLifecycle(vertx, executor, settings, git, git, metrics, runs);
  }

  /** With git checkouts into {@code WORKDIR/repos} (the shared git layer). */
  public static ExecutorLifecycle create(
      Vertx vertx, Executor executor, ExecutorSettings settings, JobMetricsSource metrics) {
    GitCodeCheckout git = GitCodeCheckout.from(settings, ProjectParser.INSTANCE);
    return new ExecutorLifecycle(vertx, executor, settings, git, git, metrics, RunListener.NONE);
  }

  /** Another bound for retrying transient finalize errors (tests). */
  ExecutorLifecycle withFinalizeRetry(FinalizeRetry.Policy policy) {
    this.finalizeRetry = new FinalizeRetry(vertx, policy);
    return this;
  }

  public JobMetadataStore metadataStore() {
    return store;
  }

  public JobLayout layout() {
    return layout;
  }

  private <T> Future<T> blocking(Callable<T> work) {
    return worker.executeBlocking(work, false);
  }

  /** {@link #blocking}, logging at FINE how long the operation waited for a worker and ran. */
  private <T> Future<T> timed(String op, JobDefinition job, Callable<T> work) {
    if (!LOG.isLoggable(Level.FINE)) {
      return blocking(work);
    }
    long queued = System.nanoTime();
    long[] started = new long[1];
    return blocking(
            () -> {
              started[0] = System.nanoTime();
              return work.call();
            })
        .andThen(
            ar ->
                LOG.fine(
                    op
                        + " of job "
                        + job.id()
                        + ": "
                        + (System.nanoTime() - started[0]) / 1_000_000
                        + " ms (queued "
                        + (started[0] - queued) / 1_000_000
                        + " ms)"
                        + (ar.failed() ? " failed" : "")));
  }

  // ---------------------------------------------------------------- status

  @Override
  public Future<JobStatus> status(JobDefinition job, boolean cancelled) {
    return timed(
        "status",
        job,
        () -> {
          Optional<JobRun> run = currentRun(job);
          seen.record(job, run);
          return statusOf(job, cancelled, run);
        });
  }

  /** The run {@link #status} found a moment ago ({@link RecentRuns}), else the runtime's report. */
  private Optional<JobRun> runForTransition(JobDefinition job) throws IOException {
    Optional<Optional<JobRun>> recent = seen.take(job);
    return recent.isPresent() ? recent.get() : currentRun(job);
  }

  JobStatus statusNow(JobDefinition job, boolean cancelled) throws IOException {
    return statusOf(job, cancelled, currentRun(job));
  }

  /**
   * This attempt's run as the runtime reports it: an earlier attempt's run is removed first (with
   * its volume), a later attempt's makes this one stale.
   */
  private Optional<JobRun> currentRun(JobDefinition job) throws IOException {
    Optional<JobRun> run = executor.inspect(job);
    if (run.isPresent()) {
      switch (RunLabels.relation(run.get(), job)) {
        case EARLIER -> {
          // this attempt holds the job now: an earlier attempt's run (its agent lost the lease)
          // goes, with the volume it left
          LOG.warning(
              "Removing the run of an earlier attempt ("
                  + RunLabels.taskOf(run.get())
                  + ") of job "
                  + job.id()
                  + " before attempt "
                  + job.taskId());
          executor.removeRun(job, run.get());
          JobVolumes.delete(layout.volumeDir(job));
          run = Optional.empty();
        }
        case LATER ->
            throw new StaleAttempt(
                "A later attempt ("
                    + RunLabels.taskOf(run.get())
                    + ") of job "
                    + job.id()
                    + " has a run; attempt "
                    + job.taskId()
                    + " is stale");
        case SAME -> {}
      }
    }
    return run;
  }

  /** The state from the run found by {@link #currentRun} (no further call to the runtime). */
  private JobStatus statusOf(JobDefinition job, boolean cancelled, Optional<JobRun> run)
      throws IOException {
    JsonObject meta = store.readForTask(job);
    JobStatus status = derive(job, cancelled, run, meta);
    if (status.state() == ExecutorState.EXECUTING) {
      JobRun r = run.get();
      runs.started(new RunningJob(job.id(), r.id(), r.createdAtEpochSeconds()));
    } else if (run.isPresent() || !meta.isEmpty()) {
      runs.stopped(job.id());
    }
    return status;
  }

  /** Section 2 steps 2 to 5. */
  private JobStatus derive(
      JobDefinition job, boolean cancelled, Optional<JobRun> run, JsonObject meta) {
    if (!meta.isEmpty()) {
      JsonObject results = ResultsRedactor.redact(meta);
      ExecutorState state =
          isError(meta.getValue("error")) ? ExecutorState.ERROR : ExecutorState.FINALIZED;
      return new JobStatus(
          state, results.getString("status_message"), meta.getLong("timestamp_ns"), results);
    }
    Path volume = layout.volumeDir(job);
    if (run.isEmpty()) {
      if (cancelled) {
        return JobStatus.of(
            Files.isDirectory(volume) ? ExecutorState.PREPARED : ExecutorState.UNKNOWN, null);
      }
      Long ts = JobVolumes.readTimestamp(volume);
      return ts == null
          ? JobStatus.of(ExecutorState.UNKNOWN, null)
          : JobStatus.of(ExecutorState.PREPARED, ts);
    }
    return switch (run.get().phase()) {
      case RUNNING -> JobStatus.of(ExecutorState.EXECUTING, run.get().startedAtNs());
      // created but never started (the agent stopped between create and start)
      case CREATED -> JobStatus.of(ExecutorState.PREPARED, JobVolumes.readTimestamp(volume));
      case STOPPED -> JobStatus.of(ExecutorState.EXECUTED, run.get().finishedAtNs());
    };
  }

  private static boolean isError(Object error) {
    if (error == null || Boolean.FALSE.equals(error)) {
      return false;
    }
    if (error instanceof JsonObject o) {
      return !o.isEmpty();
    }
    if (error instanceof String s) {
      return !s.isEmpty();
    }
    return true;
  }

  // ---------------------------------------------------------------- prepare, execute

  @Override
  public Future<JobStatus> prepare(JobDefinition job) {
    return timed("prepare", job, () -> prepareNow(job));
  }

  JobStatus prepareNow(JobDefinition job) throws IOException {
    preparer.checkWorkspace(job);
    executor.pullImage(job);
    JobStatus current = statusOf(job, false, runForTransition(job));
    if (current.state() != ExecutorState.UNKNOWN) {
      return current;
    }
    preparer.prepare(job);
    // no run existed a moment ago, and preparing creates none: the volume and metadata tell
    return statusOf(job, false, Optional.empty());
  }

  @Override
  public Future<JobStatus> execute(JobDefinition job) {
    return timed("execute", job, () -> executeNow(job));
  }

  JobStatus executeNow(JobDefinition job) throws IOException {
    JobStatus current = statusOf(job, false, runForTransition(job));
    if (current.state() != ExecutorState.PREPARED) {
      return current;
    }
    executor.start(job, DatabaseAccess.secrets(job, settings));
    return statusNow(job, false);
  }

  @Override
  public Future<Void> awaitExit(JobDefinition job) {
    return executor.awaitExit(job);
  }

  // ---------------------------------------------------------------- finalize

  /**
   * Finalizes within {@link FinalizeRetry}: permanent errors fail at once, transient ones are tried
   * again with backoff a bounded number of times.
   */
  @Override
  public Future<JobStatus> finalizeJob(JobDefinition job, boolean cancelled, JsonObject error) {
    return finalizeJob(job, cancelled, error, null);
  }

  @Override
  public Future<JobStatus> finalizeJob(
      JobDefinition job, boolean cancelled, JsonObject error, Long fenceToken) {
    return finalizeRetry.run(
        "finalize of job " + job.id(),
        () ->
            metricsOf(job)
                .compose(
                    m ->
                        timed(
                            "finalize",
                            job,
                            () -> finalizeNow(job, cancelled, error, m, fenceToken))));
  }

  /** The job's resource aggregates; none when they cannot be read (finalize goes on). */
  private Future<JsonObject> metricsOf(JobDefinition job) {
    Future<JsonObject> f;
    try {
      f = metrics.metricsFor(job.id());
    } catch (RuntimeException e) {
      f = Future.failedFuture(e);
    }
    return f.map(m -> m == null ? new JsonObject() : m)
        .recover(
            e -> {
              LOG.log(Level.WARNING, "Could not read metrics of job " + job.id(), e);
              return Future.succeededFuture(new JsonObject());
            });
  }

  JobStatus finalizeNow(JobDefinition job, boolean cancelled, JsonObject error, JsonObject m)
      throws IOException {
    return finalizeNow(job, cancelled, error, m, null);
  }

  JobStatus finalizeNow(
      JobDefinition job, boolean cancelled, JsonObject error, JsonObject m, Long fenceToken)
      throws IOException {
    Optional<JobRun> run = runForTransition(job);
    JobStatus current = statusOf(job, cancelled, run);
    if (current.state() == ExecutorState.FINALIZED || current.state() == ExecutorState.ERROR) {
      return current;
    }
    if (!(cancelled || error != null) && current.state() == ExecutorState.UNKNOWN) {
      return current;
    }
    long t0 = System.nanoTime();
    JobFinalizer.Container container =
        run.map(r -> new JobFinalizer.Container(r, out -> executor.streamLogs(job, out)))
            .orElse(null);
    finalizer.finalizeJob(
        job, container, DatabaseAccess.redactorFor(job, settings), m, cancelled, error, fenceToken);
    long t1 = System.nanoTime();
    // the metadata just written decides the state: the run need not be asked again
    JobStatus done = statusOf(job, cancelled, run);
    if (LOG.isLoggable(Level.FINE)) {
      LOG.fine(
          "finalize of job "
              + job.id()
              + ": outputs, logs, manifest and metadata "
              + (t1 - t0) / 1_000_000
              + " ms, status "
              + (System.nanoTime() - t1) / 1_000_000
              + " ms");
    }
    return done;
  }

  // ---------------------------------------------------------------- terminate, cleanup, delete

  @Override
  public Future<JobStatus> terminate(JobDefinition job) {
    return timed("terminate", job, () -> terminateNow(job));
  }

  JobStatus terminateNow(JobDefinition job) throws IOException {
    Optional<JobRun> run = runForTransition(job);
    JobStatus current = statusOf(job, false, run);
    switch (current.state()) {
      case UNKNOWN, EXECUTED, FINALIZED, FINALIZING:
        return current;
      default:
        break;
    }
    if (run.isPresent() && run.get().phase() == JobRun.Phase.CREATED) {
      executor.remove(job); // never started: nothing ran, nothing to keep
    } else {
      executor.kill(job);
    }
    return statusNow(job, false);
  }

  @Override
  public Future<Void> cleanup(JobDefinition job) {
    return timed(
        "cleanup",
        job,
        () -> {
          LOG.info("Cleaning up container and volume of job " + job.id());
          seen.forget(job.id());
          executor.remove(job);
          JobVolumes.delete(layout.volumeDir(job));
          runs.stopped(job.id());
          return null;
        });
  }

  /**
   * Stops and removes this attempt's run and volume, writing nothing (its lease is gone: docs/spec/
   * task-api.md section 8.3). A run of another attempt is left alone, and so is the volume then.
   */
  @Override
  public Future<Void> abandon(JobDefinition job) {
    return timed(
        "abandon",
        job,
        () -> {
          seen.forget(job.id());
          Optional<JobRun> run = executor.inspect(job);
          boolean mine = run.isPresent() && RunLabels.taskOf(run.get()).equals(job.taskId());
          if (mine) {
            LOG.warning(
                "Removing the run of job " + job.id() + ": attempt " + job.taskId() + " is lost");
            executor.removeRun(job, run.get());
            runs.stopped(job.id());
          }
          if (run.isEmpty() || mine) {
            JobVolumes.delete(layout.volumeDir(job));
          }
          return null;
        });
  }

  @Override
  public Future<List<RunLabels.OwnedRun>> ownedRuns(String agentId) {
    return blocking(() -> executor.runsOf(agentId));
  }

  @Override
  public Future<List<String>> deleteFiles(String workspace, Privacy privacy, List<String> files) {
    return blocking(
        () -> {
          Path root = layout.workspaceDir(privacy, workspace);
          List<String> errors = new ArrayList<>();
          for (String name : files) {
            try {
              Files.deleteIfExists(SafePaths.resolve(root, name));
            } catch (IOException | PathEscapeException e) {
              LOG.log(Level.WARNING, "Could not delete " + name + " from " + root, e);
              errors.add(name);
            }
          }
          return errors;
        });
  }

  /** Closes the worker pool and the executor. */
  @Override
  public void close() {
    worker.close();
    executor.close();
  }
}
