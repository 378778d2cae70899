package org.rap.local;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.rap.agent.executor.ExecutorLifecycle;
import org.rap.agent.executor.ExecutorSettings;
import org.rap.agent.executor.JobMetadataStore;
import org.rap.agent.executor.JobStatus;
import org.rap.agent.executor.ProjectActions;
import org.rap.agent.executor.RunListener;
import org.rap.agent.executor.docker.DockerApi;
import org.rap.agent.executor.docker.DockerExecutor;
import org.rap.agent.metrics.JobMetricsSource;
import org.rap.common.model.ExecutorState;
import org.rap.common.model.JobDefinition;
import org.rap.common.model.JobIds;
import org.rap.common.model.JobOutcome;
import org.rap.common.model.StatusCode;
import org.rap.common.model.StatusMessages;
import org.rap.common.pipeline.Action;
import org.rap.common.pipeline.Pipeline;

/**
 * Runs the planned actions of a local study directory in Docker, without servers: the local mode of
 * {@code opensafely run}. Jobs go through the agent's job lifecycle on its Docker executor (same
 * hardening, output checks, logs and messages), called directly; outputs are copied back into the
 * study directory and action logs into its {@code metadata/}. Actions whose dependencies are done
 * run at once, up to the concurrency. A job's container and volume are removed while the next job
 * starts (before {@link #run} completes), or left in place with {@code debug}.
 */
public final class LocalRunner {
  /** Options of one run. */
  public record Options(
      Path projectDir,
      List<String> actions,
      boolean forceRunDependencies,
      boolean continueOnError,
      int concurrency,
      String memory,
      double cpus,
      String dockerRegistry,
      boolean debug) {}

  /** Progress of the run, as it happens (called on Vert.x threads). */
  public interface Listener {
    /** {@code stage}: preparing, starting, running, finalizing. */
    void stage(String action, String stage);

    void finished(ActionResult result);
  }

  private static final long POLL_MS = 25;
  private final Vertx vertx;
  private final Options options;
  private final Pipeline pipeline;
  private final LocalWorkspace workspace;
  private final Listener listener;
  private final ExecutorLifecycle executor;
  private final String rapId = JobIds.newRapId();
  private final AtomicBoolean stop = new AtomicBoolean();
  private final ArrayDeque<Promise<Void>> waiting = new ArrayDeque<>();
  private final Map<String, JobDefinition> started = new ConcurrentHashMap<>();
  private final Set<String> cleaned = ConcurrentHashMap.newKeySet();
  private final List<Future<Void>> cleanups = new CopyOnWriteArrayList<>();
  private int running;

  public LocalRunner(
      Vertx vertx,
      Options options,
      Pipeline pipeline,
      LocalWorkspace workspace,
      DockerApi docker,
      Listener listener)
      throws IOException {
    this.vertx = vertx;
    this.options = options;
    this.pipeline = pipeline;
    this.workspace = workspace;
    this.listener = listener;
    ExecutorSettings settings = workspace.settings(options.dockerRegistry());
    this.executor =
        new ExecutorLifecycle(
            vertx,
            new DockerExecutor(vertx, docker, settings),
            settings,
            new LocalDirCheckout(options.projectDir(), pipeline),
            ProjectActions.UNKNOWN,
            JobMetricsSource.NONE,
            RunListener.NONE);
  }

  /** Runs {@code order}; completes with every action's result, in that order. */
  public Future<List<ActionResult>> run(List<String> order) {
    Map<String, Future<ActionResult>> results = new LinkedHashMap<>();
    for (String action : order) {
      List<Future<ActionResult>> deps = new ArrayList<>();
      for (String need : pipeline.action(action).needs()) {
        Future<ActionResult> dep = results.get(need);
        if (dep != null) {
          deps.add(dep);
        }
      }
      Future<ActionResult> f =
          Future.all(deps)
              .transform(
                  ignored -> {
                    for (Future<ActionResult> d : deps) {
                      if (!d.result().succeeded()) {
                        return Future.succeededFuture(
                            finished(
                                ActionResult.notRun(
                                    action, "failed", StatusMessages.DEPENDENCY_FAILED)));
                      }
                    }
                    return acquire().compose(v -> runOne(action)).andThen(ar -> release());
                  });
      results.put(action, f);
    }
    return Future.all(new ArrayList<>(results.values()))
        .compose(cf -> Future.join(new ArrayList<>(cleanups)).otherwiseEmpty())
        .map(v -> results.values().stream().map(Future::result).toList());
  }

  private Future<ActionResult> runOne(String action) {
    if (stop.get()) {
      return Future.succeededFuture(
          finished(
              ActionResult.notRun(action, "not started", "Not started: an earlier action failed")));
    }
    long t0 = System.nanoTime();
    JobDefinition job = definition(action);
    started.put(job.id(), job);
    listener.stage(action, "preparing");
    return executor
        .prepare(job)
        .compose(s -> expect(s, ExecutorState.PREPARED))
        .compose(
            v -> {
              if (stop.get()) {
                return Future.failedFuture("stopped");
              }
              listener.stage(action, "starting");
              return executor.execute(job);
            })
        .compose(
            s -> {
              listener.stage(action, "running");
              return awaitExit(job);
            })
        .compose(
            s -> {
              listener.stage(action, "finalizing");
              return executor.finalizeJob(job, false, null);
            })
        .compose(
            finalized -> {
              // what the study gets is filed by now (collect reads no container or volume): the
              // container and volume go while the results are collected
              cleanUp(job);
              return collect(action, job, finalized, t0);
            })
        .recover(
            e ->
                Future.succeededFuture(
                    ActionResult.failed(
                        action,
                        job.id(),
                        "failed",
                        "Job could not run: " + e.getMessage(),
                        Duration.ofNanos(System.nanoTime() - t0))))
        .andThen(ar -> cleanUp(job))
        .compose(r -> record(r).map(r))
        .map(this::finished);
  }

  private Future<Void> expect(JobStatus s, ExecutorState wanted) {
    if (s.state() == wanted) {
      return Future.succeededFuture();
    }
    String detail = s.message() == null ? s.state().value() : s.message();
    return Future.failedFuture(new IllegalStateException(detail));
  }

  /**
   * Docker's exit notification; polls the state when the executor cannot watch. The notification is
   * Docker's own report that the container stopped ({@link DockerApi#watchExit}), so the state is
   * not derived again here: finalizing derives it first thing.
   */
  private Future<Void> awaitExit(JobDefinition job) {
    return executor.awaitExit(job).recover(e -> pollExit(job).mapEmpty());
  }

  /** Polls the container until it has exited (the executor is stateless and inspect is cheap). */
  private Future<JobStatus> pollExit(JobDefinition job) {
    return executor
        .status(job, false)
        .compose(
            s -> {
              if (s.state() != ExecutorState.EXECUTING) {
                return Future.succeededFuture(s);
              }
              Promise<Void> later = Promise.promise();
              vertx.setTimer(POLL_MS, id -> later.complete());
              return later.future().compose(v -> pollExit(job));
            });
  }

  /** The job's container and volume go while the run goes on; kept with {@code --debug}. */
  private void cleanUp(JobDefinition job) {
    if (options.debug() || !cleaned.add(job.id())) {
      return;
    }
    cleanups.add(executor.cleanup(job));
  }

  private Future<ActionResult> collect(
      String action, JobDefinition job, JobStatus finalized, long t0) {
    return vertx.executeBlocking(
        () -> {
          // outputs the agent refused to file end the job in state error (nothing filed)
          JobOutcome outcome =
              finalized.state() == ExecutorState.ERROR
                  ? new JobOutcome(
                      StatusCode.JOB_ERROR,
                      finalized
                          .results()
                          .getJsonObject("error", new JsonObject())
                          .getString("message"))
                  : JobOutcome.fromResults(finalized.results(), job.allowDatabaseAccess());
          JsonObject metadata = executor.metadataStore().read(job.id());
          Map<String, String> copied = workspace.copyOutputs(metadata);
          Path log = null;
          Path actionLog = workspace.highPrivacyLog(action);
          if (Files.isRegularFile(actionLog)) {
            log = options.projectDir().resolve("metadata").resolve(action + ".log");
            Files.createDirectories(log.getParent());
            Files.copy(actionLog, log, StandardCopyOption.REPLACE_EXISTING);
            log = options.projectDir().relativize(log);
          }
          Map<String, String> excluded = new LinkedHashMap<>();
          metadata
              .getJsonObject("level4_excluded_files", new JsonObject())
              .forEach(e -> excluded.put(e.getKey(), String.valueOf(e.getValue())));
          List<String> unmatched = new ArrayList<>();
          metadata.getJsonArray("unmatched_outputs", new JsonArray()).stream()
              .map(String::valueOf)
              .forEach(unmatched::add);
          Integer exit = JobOutcome.exitCode(metadata.getValue("exit_code"));
          boolean oom = Boolean.TRUE.equals(metadata.getValue("oom_killed"));
          boolean ok = outcome.code() == StatusCode.SUCCEEDED;
          return new ActionResult(
              action,
              job.id(),
              ok ? "succeeded" : "failed",
              outcome.message(),
              copied,
              excluded,
              unmatched,
              log,
              exit,
              oom,
              ok ? null : FailureHints.hint(exit, oom, options),
              Duration.ofNanos(System.nanoTime() - t0));
        });
  }

  private Future<Void> record(ActionResult r) {
    if (!r.succeeded() && !options.continueOnError()) {
      stop.set(true);
    }
    return vertx.executeBlocking(
        () -> {
          workspace.state().record(r.action(), r.jobId(), r.succeeded(), r.outputs().keySet());
          return null;
        });
  }

  private ActionResult finished(ActionResult r) {
    listener.finished(r);
    return r;
  }

  private JobDefinition definition(String action) {
    Action a = pipeline.action(action);
    String id = JobIds.jobId(rapId, action);
    List<String> args = new ArrayList<>(a.run().subList(1, a.run().size()));
    if (a.config() != null) {
      args.add("--config");
      args.add(a.configJson().replace("'", "\\u0027"));
    }
    List<String> inputJobIds = new ArrayList<>();
    for (String need : a.needs()) {
      workspace.state().last(need).ifPresent(last -> inputJobIds.add(last.jobId()));
    }
    Map<String, String> outputSpec = new LinkedHashMap<>();
    a.outputs()
        .forEach((level, outputs) -> outputs.values().forEach(p -> outputSpec.put(p, level)));
    String project = options.projectDir().toString();
    String commit = "0".repeat(40);
    return new JobDefinition(
        id,
        rapId,
        JobIds.runJobTaskId(id, 1),
        project,
        commit,
        new JobDefinition.Study(project, commit, "local"),
        workspace.name(),
        action,
        System.currentTimeMillis() / 1000,
        LocalImages.image(options.dockerRegistry(), a),
        null,
        args,
        Map.of("OPENSAFELY_BACKEND", "expectations"),
        inputJobIds,
        outputSpec,
        a.databaseAction(),
        a.databaseAction() ? "default" : null,
        System.getProperty("user.name", "local"),
        options.cpus(),
        options.memory(),
        16_777_216L,
        5000,
        JobDefinition.DEFAULT_LEVEL4_FILE_TYPES);
  }

  private Future<Void> acquire() {
    if (running < Math.max(1, options.concurrency())) {
      running++;
      return Future.succeededFuture();
    }
    Promise<Void> p = Promise.promise();
    waiting.add(p);
    return p.future();
  }

  private void release() {
    Promise<Void> next = waiting.poll();
    if (next != null) {
      next.complete();
    } else {
      running--;
    }
  }

  /**
   * Ctrl-C: starts nothing more, then removes the container and volume of every job this run
   * started and has not cleaned up yet (blocking; from a thread that is not Vert.x's). Returns the
   * actions whose jobs were stopped.
   */
  public List<String> abort(Duration max) {
    stop.set(true);
    List<String> stopped = new ArrayList<>();
    List<Future<Void>> pending = new ArrayList<>(cleanups);
    for (JobDefinition job : started.values()) {
      if (cleaned.add(job.id())) {
        stopped.add(job.action());
        pending.add(executor.cleanup(job));
      }
    }
    try {
      Future.join(pending).await(max.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      // what could not be removed in time, the next run removes (LocalLeftovers)
    }
    return stopped;
  }

  /** Jobs this run started, by container name (for {@code --debug}'s clean-up commands). */
  public List<String> containerNames() {
    return started.keySet().stream().map(JobMetadataStore::containerName).sorted().toList();
  }

  public void close() {
    executor.close();
  }
}
