package org.rap.local;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;
import org.rap.agent.executor.DockerApi;
import org.rap.agent.executor.DockerExecutor;
import org.rap.agent.executor.ExecutorSettings;
import org.rap.agent.executor.JobStatus;
import org.rap.agent.executor.ProjectActions;
import org.rap.agent.metrics.JobMetricsSource;
import org.rap.agent.outputs.SafePaths;
import org.rap.common.model.ExecutorState;
import org.rap.common.model.JobDefinition;
import org.rap.common.model.JobIds;
import org.rap.common.model.JobOutcome;
import org.rap.common.model.StatusCode;
import org.rap.common.model.StatusMessages;
import org.rap.common.pipeline.Action;
import org.rap.common.pipeline.Pipeline;

/**
 * Runs actions of a local study directory in Docker, with their dependencies, without servers: the
 * local mode of {@code opensafely run}. Jobs go through the agent's Docker executor (same
 * hardening, output checks, logs and messages); outputs are copied back into the study directory
 * and action logs into its {@code metadata/}. State of earlier runs lives in {@code
 * metadata/.rap/}.
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
      String dockerRegistry) {}

  /** What happened to one action. */
  public record ActionResult(
      String action, String jobId, String state, String message, List<Path> outputs, Path log) {
    public boolean succeeded() {
      return state.equals("succeeded") || state.equals("skipped");
    }
  }

  private static final long POLL_MS = 25;
  private final Vertx vertx;
  private final Options options;
  private final Pipeline pipeline;
  private final Consumer<String> progress;
  private final Path base;
  private final ExecutorSettings settings;
  private final String workspace;
  private final String rapId = JobIds.newRapId();
  private final AtomicBoolean stop = new AtomicBoolean();
  private final ArrayDeque<Promise<Void>> waiting = new ArrayDeque<>();
  private int running;
  private DockerExecutor executor;
  private LocalState state;

  public LocalRunner(Vertx vertx, Options options, Pipeline pipeline, Consumer<String> progress) {
    this.vertx = vertx;
    this.options = options;
    this.pipeline = pipeline;
    this.progress = progress;
    this.base = options.projectDir().resolve("metadata").resolve(".rap");
    this.settings =
        ExecutorSettings.local("local", base).withDockerRegistry(options.dockerRegistry());
    String name =
        options.projectDir().getFileName() == null
            ? ""
            : options.projectDir().getFileName().toString();
    String ws = name.replaceAll("[^a-zA-Z0-9_-]", "-");
    this.workspace = ws.isBlank() ? "local" : ws;
  }

  /**
   * Which actions run, in dependency order: requested ones always; dependencies only when they have
   * not succeeded before (or with {@code forceRunDependencies}). {@code run_all} requests every
   * action without naming them (failed ones re-run, succeeded ones are reused).
   *
   * @throws IllegalArgumentException {@code Action '<name>' not found in project.yaml}
   */
  public static List<String> plan(
      Pipeline pipeline,
      List<String> requested,
      boolean force,
      Function<String, Boolean> succeededBefore) {
    boolean runAll = requested.contains("run_all") && pipeline.action("run_all") == null;
    List<String> starting = runAll ? pipeline.allActions() : requested;
    Set<String> order = new LinkedHashSet<>();
    Set<String> visiting = new LinkedHashSet<>();
    for (String a : starting) {
      visit(pipeline, a, requested, force, succeededBefore, order, visiting);
    }
    return List.copyOf(order);
  }

  private static void visit(
      Pipeline p,
      String action,
      List<String> requested,
      boolean force,
      Function<String, Boolean> succeededBefore,
      Set<String> order,
      Set<String> visiting) {
    Action a = p.action(action);
    if (a == null) {
      throw new IllegalArgumentException("Action '" + action + "' not found in project.yaml");
    }
    if (order.contains(action) || !visiting.add(action)) {
      return;
    }
    boolean run = requested.contains(action) || force || !succeededBefore.apply(action);
    if (run) {
      for (String need : a.needs()) {
        visit(p, need, requested, force, succeededBefore, order, visiting);
      }
      order.add(action);
    }
  }

  /** Runs the plan; the future completes with every action's result, in plan order. */
  public Future<List<ActionResult>> run() {
    return vertx
        .executeBlocking(
            () -> {
              state = LocalState.load(base.resolve("state.json"));
              Files.createDirectories(settings.highPrivacyWorkspacesDir().resolve(workspace));
              executor =
                  new DockerExecutor(
                      vertx,
                      DockerApi.connect(),
                      settings,
                      new LocalDirCheckout(options.projectDir()),
                      JobMetricsSource.NONE,
                      ProjectActions.UNKNOWN);
              return plan(
                  pipeline,
                  options.actions(),
                  options.forceRunDependencies(),
                  a -> state.last(a).map(LocalState.LastRun::succeeded).orElse(false));
            })
        .compose(this::runAll)
        .andThen(ar -> closeExecutor());
  }

  private Future<List<ActionResult>> runAll(List<String> order) {
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
                            report(
                                new ActionResult(
                                    action,
                                    null,
                                    "failed",
                                    StatusMessages.DEPENDENCY_FAILED,
                                    List.of(),
                                    null)));
                      }
                    }
                    return acquire().compose(v -> runOne(action)).andThen(ar -> release());
                  });
      results.put(action, f);
    }
    return Future.all(new ArrayList<>(results.values()))
        .map(cf -> results.values().stream().map(Future::result).toList());
  }

  private Future<ActionResult> runOne(String action) {
    if (stop.get()) {
      return Future.succeededFuture(
          report(
              new ActionResult(
                  action,
                  null,
                  "not started",
                  "Not started: an earlier action failed",
                  List.of(),
                  null)));
    }
    JobDefinition job = definition(action);
    progress.accept(action + ": preparing (job " + job.id() + ")");
    return executor
        .prepare(job)
        .compose(s -> expect(s, ExecutorState.PREPARED, job).compose(v -> executor.execute(job)))
        .compose(
            s -> {
              progress.accept(action + ": executing");
              return awaitExit(job);
            })
        .compose(s -> executor.finalizeJob(job, false, null))
        .compose(s -> executor.cleanup(job).map(s))
        .compose(finalized -> collect(action, job, finalized))
        .recover(
            e ->
                executor
                    .cleanup(job)
                    .otherwiseEmpty()
                    .map(
                        v ->
                            new ActionResult(
                                action,
                                job.id(),
                                "failed",
                                "Job could not run: " + e.getMessage(),
                                List.of(),
                                null)))
        .map(this::report)
        .compose(r -> record(r).map(r));
  }

  private Future<Void> expect(JobStatus s, ExecutorState wanted, JobDefinition job) {
    if (s.state() == wanted) {
      return Future.succeededFuture();
    }
    String detail = s.message() == null ? s.state().value() : s.message();
    return Future.failedFuture(new IllegalStateException(detail));
  }

  /** Docker's exit notification, then the state; polls when the executor cannot watch. */
  private Future<JobStatus> awaitExit(JobDefinition job) {
    return executor
        .awaitExit(job)
        .compose(v -> executor.status(job, false))
        .compose(
            s -> s.state() == ExecutorState.EXECUTING ? pollExit(job) : Future.succeededFuture(s))
        .recover(e -> pollExit(job));
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

  private Future<ActionResult> collect(String action, JobDefinition job, JobStatus finalized) {
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
          Path highWs = settings.highPrivacyWorkspacesDir().resolve(workspace);
          List<Path> copied = new ArrayList<>();
          for (String output : metadata.getJsonObject("outputs", new JsonObject()).fieldNames()) {
            Path src = SafePaths.resolve(highWs, output);
            Path dest = SafePaths.resolve(options.projectDir(), output);
            if (Files.isRegularFile(src)) {
              Files.createDirectories(dest.getParent());
              Files.copy(src, dest, StandardCopyOption.REPLACE_EXISTING);
              copied.add(options.projectDir().relativize(dest));
            }
          }
          Path log = null;
          Path actionLog = highWs.resolve("metadata").resolve(action + ".log");
          if (Files.isRegularFile(actionLog)) {
            log = options.projectDir().resolve("metadata").resolve(action + ".log");
            Files.createDirectories(log.getParent());
            Files.copy(actionLog, log, StandardCopyOption.REPLACE_EXISTING);
            log = options.projectDir().relativize(log);
          }
          String st = outcome.code() == StatusCode.SUCCEEDED ? "succeeded" : "failed";
          return new ActionResult(action, job.id(), st, outcome.message(), copied, log);
        });
  }

  private Future<Void> record(ActionResult r) {
    if (!r.succeeded() && !options.continueOnError()) {
      stop.set(true);
    }
    if (r.jobId() == null) {
      return Future.succeededFuture();
    }
    return vertx.executeBlocking(
        () -> {
          state.record(r.action(), r.jobId(), r.state().equals("succeeded"));
          return null;
        });
  }

  private ActionResult report(ActionResult r) {
    progress.accept(r.action() + ": " + r.state() + " - " + r.message());
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
      state.last(need).ifPresent(last -> inputJobIds.add(last.jobId()));
    }
    Map<String, String> outputSpec = new LinkedHashMap<>();
    a.outputs()
        .forEach((level, outputs) -> outputs.values().forEach(p -> outputSpec.put(p, level)));
    String image =
        options.dockerRegistry()
            + "/"
            + (a.run().get(0).contains(":") ? a.run().get(0) : a.run().get(0) + ":latest");
    String project = options.projectDir().toString();
    String commit = "0".repeat(40);
    return new JobDefinition(
        id,
        rapId,
        JobIds.runJobTaskId(id, 1),
        project,
        commit,
        new JobDefinition.Study(project, commit, "local"),
        workspace,
        action,
        System.currentTimeMillis() / 1000,
        image,
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

  private void closeExecutor() {
    if (executor != null) {
      executor.close();
    }
  }
}
