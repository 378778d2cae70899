package org.rap.controller.planning;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.sqlclient.SqlConnection;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.random.RandomGenerator;
import org.rap.common.async.KeyedSequencer;
import org.rap.common.git.GitException;
import org.rap.common.git.GitFileNotFoundException;
import org.rap.common.git.GitFileTooLargeException;
import org.rap.common.git.GitService;
import org.rap.common.git.GitSettings;
import org.rap.common.model.Job;
import org.rap.common.pipeline.Pipeline;
import org.rap.common.pipeline.PipelineParser;
import org.rap.common.pipeline.ProjectLimits;
import org.rap.common.pipeline.ProjectParser;
import org.rap.common.pipeline.ProjectValidationError;
import org.rap.controller.ControllerContext;
import org.rap.controller.ControllerEvents;

/**
 * Job creation as docs/spec/scheduling.md section 6 describes it: request checks,
 * repository/branch/commit checks, {@code project.yaml} at the commit, parse, workspace state,
 * plan, reusable actions, stale codelists, then all new jobs in one transaction, handed to the
 * scheduler (its inbox, {@code NewJobs}) with a {@link ControllerEvents#JOB_CREATED} event.
 *
 * <p>Creation is serialised per (backend, workspace) in this process. Jobs of allowed images are
 * planned inside their insert transaction, against the workspace state read in it. When reusable
 * actions must be resolved (git work, outside any transaction), the insert transaction re-reads the
 * workspace state and re-plans if another writer (e.g. an operator command in another process)
 * created jobs there in the meantime.
 *
 * <p>From a CLI: {@code DefaultJobCreator.forController(vertx, context,
 * parser).create(request).await()}.
 */
public final class DefaultJobCreator implements JobCreator {
  private static final Logger LOG = Logger.getLogger(DefaultJobCreator.class.getName());
  private static final int MAX_REPLANS = 3;

  /**
   * The worker pool parsing project.yaml files, shared by name: a file at the size limit can hold
   * tens of megabytes while it loads, so at most {@link #PARSE_THREADS} are loaded at once.
   */
  static final String PARSE_POOL = "rap-project-yaml";

  static final int PARSE_THREADS = 2;

  private final Vertx vertx;
  private final ControllerContext ctx;
  private final GitService git;
  private final PipelineParser parser;
  private final PlanningConfig planning;
  private final Clock clock;
  private final RandomGenerator random;

  /** Creations for one (backend, workspace) never interleave their read-plan-insert steps. */
  private final KeyedSequencer sequencer = new KeyedSequencer();

  private final WorkerExecutor parsing;

  public DefaultJobCreator(
      Vertx vertx,
      ControllerContext ctx,
      GitService git,
      PipelineParser parser,
      PlanningConfig planning,
      Clock clock) {
    this.vertx = vertx;
    this.ctx = ctx;
    this.git = git;
    this.parser = parser;
    this.planning = planning;
    this.clock = clock;
    this.random = new SecureRandom();
    this.parsing = vertx.createSharedWorkerExecutor(PARSE_POOL, PARSE_THREADS);
  }

  public DefaultJobCreator(
      Vertx vertx, ControllerContext ctx, GitService git, PipelineParser parser) {
    this(vertx, ctx, git, parser, PlanningConfig.defaults(), Clock.systemUTC());
  }

  /**
   * The controller's creator: git settings, project.yaml limits ({@code PROJECT_YAML_MAX_BYTES})
   * and planning policy from the configuration, the reference's project.yaml rules.
   */
  public static DefaultJobCreator forController(Vertx vertx, ControllerContext ctx) {
    return forController(
        vertx,
        ctx,
        ProjectParser.withLimits(new ProjectLimits(ctx.config().limits().projectYamlMaxBytes())),
        PlanningConfig.from(ctx.config()));
  }

  /** The controller's creator: git settings from the configuration, default planning policy. */
  public static DefaultJobCreator forController(
      Vertx vertx, ControllerContext ctx, PipelineParser parser) {
    return forController(vertx, ctx, parser, PlanningConfig.defaults());
  }

  /** As {@link #forController(Vertx, ControllerContext, PipelineParser)} with a planning policy. */
  public static DefaultJobCreator forController(
      Vertx vertx, ControllerContext ctx, PipelineParser parser, PlanningConfig planning) {
    GitService git =
        new GitService(
            vertx, GitSettings.forController(ctx.config().common()), ctx.telemetry().calls("git"));
    return new DefaultJobCreator(vertx, ctx, git, parser, planning, Clock.systemUTC());
  }

  @Override
  public Future<CreateOutcome> create(CreateRequest request) {
    try {
      RequestChecks.check(request, ctx.config().backendSlugs());
    } catch (JobCreationException e) {
      return Future.failedFuture(e);
    }
    long t0 = System.nanoTime();
    long[] marks = new long[2];
    return git.validateRepoAndCommit(request.repoUrl(), request.commit(), request.branch())
        .recover(DefaultJobCreator::knownGitError)
        .compose(
            ok -> {
              marks[0] = System.nanoTime();
              return readProject(request);
            })
        .compose(
            pipeline -> {
              marks[1] = System.nanoTime();
              return sequencer.run(
                  request.backend() + "\u0000" + request.workspace(),
                  () -> planAndInsert(request, pipeline, 1));
            })
        .andThen(
            ar -> {
              if (ar.succeeded() && LOG.isLoggable(Level.FINE)) {
                LOG.fine(
                    "Job creation for rap "
                        + request.rapId()
                        + ": git check "
                        + (marks[0] - t0) / 1_000_000
                        + " ms, project.yaml "
                        + (marks[1] - marks[0]) / 1_000_000
                        + " ms, plan and insert "
                        + (System.nanoTime() - marks[1]) / 1_000_000
                        + " ms");
              }
            })
        .onSuccess(
            outcome -> {
              if (outcome instanceof CreateOutcome.Created created) {
                ControllerEvents.jobsCreated(
                    vertx.eventBus(), request.backend(), created.jobs().size());
              }
            });
  }

  /** Parsed project.yaml files: 256 of them, or 16 MiB of files (about 50 MB of memory). */
  private final ProjectCache projects = new ProjectCache(256, 16L * 1024 * 1024);

  /**
   * project.yaml at the request's commit: the file's size checked against the parser's limit before
   * it is read, then parsed on {@link #PARSE_POOL} (not the default worker pool, which the database
   * client uses: a large file takes a second to parse), cached when the commit is a full sha (which
   * names fixed content).
   */
  private Future<Pipeline> readProject(CreateRequest request) {
    boolean fixed = request.commit() != null && request.commit().matches("[0-9a-f]{40}");
    String key = request.repoUrl() + "@" + request.commit();
    Pipeline cached = fixed ? projects.get(key) : null;
    if (cached != null) {
      return Future.succeededFuture(cached);
    }
    ProjectLimits limits = parser.limits();
    return git.readFile(request.repoUrl(), request.commit(), "project.yaml", limits.maxBytes())
        .recover(
            e -> {
              if (e instanceof GitFileNotFoundException) {
                return Future.failedFuture(
                    new JobCreationException("No project.yaml file found in " + request.repoUrl()));
              }
              if (e instanceof GitFileTooLargeException large) {
                ProjectValidationError error = limits.tooLarge(large.size());
                return Future.failedFuture(new JobCreationException(error.getMessage(), error));
              }
              return knownGitError(e);
            })
        .compose(
            bytes ->
                parsing.executeBlocking(
                    () -> {
                      Pipeline pipeline;
                      try {
                        pipeline = parser.parse(decode(bytes));
                      } catch (ProjectValidationError e) {
                        throw new JobCreationException(e.getMessage(), e);
                      }
                      if (fixed) {
                        projects.put(key, pipeline, bytes.length);
                      }
                      return pipeline;
                    },
                    false));
  }

  private static String decode(byte[] bytes) {
    String text = new String(bytes, StandardCharsets.UTF_8);
    return text.startsWith("\uFEFF") ? text.substring(1) : text;
  }

  private static <T> Future<T> knownGitError(Throwable e) {
    if (e instanceof GitException) {
      return Future.failedFuture(new JobCreationException(e.getMessage(), e));
    }
    return Future.failedFuture(e);
  }

  /** Another writer created jobs in the workspace between planning and inserting. */
  private static final class WorkspaceChanged extends Exception {
    WorkspaceChanged() {
      super("workspace state changed during job creation", null, false, false);
    }
  }

  /**
   * The planned jobs need reusable actions resolved (git work, which must not run inside the insert
   * transaction): plan again outside it.
   */
  private static final class NeedsResolution extends Exception {
    NeedsResolution() {
      super("reusable actions to resolve", null, false, false);
    }
  }

  /**
   * The usual case, jobs of allowed images only: the workspace state is read, the jobs planned and
   * inserted in one transaction (the state read goes out with BEGIN), so the plan cannot go stale.
   * When a planned job uses a reusable action, that transaction ends without writing and the
   * request takes {@link #planResolveAndInsert}.
   */
  private Future<CreateOutcome> planAndInsert(
      CreateRequest request, Pipeline pipeline, int attempt) {
    ReusableActions reusable = new ReusableActions(git.repos(), planning);
    return ctx.db()
        .<Map<String, Job>, CreateOutcome>inTransaction(
            conn ->
                locked(
                    conn,
                    request,
                    () -> ctx.jobs().latestPerAction(conn, request.backend(), request.workspace())),
            (conn, state) ->
                plan(
                    request,
                    pipeline,
                    state,
                    planned -> {
                      if (!reusable.allAllowed(planned)) {
                        return Future.failedFuture(new NeedsResolution());
                      }
                      return checkCodelists(request, planned)
                          .compose(
                              jobs ->
                                  ctx.jobs()
                                      .insertAll(conn, jobs)
                                      .<CreateOutcome>map(v -> new CreateOutcome.Created(jobs)));
                    }))
        .onSuccess(
            outcome -> {
              if (outcome instanceof CreateOutcome.Created created) {
                committed(request, created.jobs());
              }
            })
        .recover(
            e ->
                e instanceof NeedsResolution
                    ? planResolveAndInsert(request, pipeline, attempt)
                    : Future.failedFuture(e));
  }

  /**
   * {@code read} of the workspace state, first taking the workspace's creation lock (creates of one
   * workspace in other processes wait for this transaction; SQLite: nothing to send, the lock is an
   * already completed future, and the read goes out right behind BEGIN).
   */
  private <R> Future<R> locked(
      SqlConnection conn, CreateRequest request, Supplier<Future<R>> read) {
    return ctx.db()
        .lockInTransaction(conn, "job-creation/" + request.backend() + "/" + request.workspace())
        .compose(v -> read.get());
  }

  /** After the commit of {@code jobs}: handed to the scheduler, and logged. */
  private void committed(CreateRequest request, List<Job> jobs) {
    ctx.newJobs().add(jobs);
    LOG.log(
        Level.INFO,
        "Created "
            + jobs.size()
            + " job(s) for rap "
            + request.rapId()
            + " in "
            + request.backend()
            + "/"
            + request.workspace());
  }

  /**
   * Jobs with reusable actions: plan against the workspace state, resolve the actions on the git
   * worker, then insert in a transaction that first checks the state is still the planned one (else
   * plans again).
   */
  private Future<CreateOutcome> planResolveAndInsert(
      CreateRequest request, Pipeline pipeline, int attempt) {
    return ctx.jobs()
        .latestPerAction(ctx.db().pool(), request.backend(), request.workspace())
        .compose(
            state ->
                plan(
                    request,
                    pipeline,
                    state,
                    planned -> {
                      return git.execute(
                              () -> new ReusableActions(git.repos(), planning).resolve(planned))
                          .compose(jobs -> checkCodelists(request, jobs))
                          .compose(jobs -> insert(request, state, jobs))
                          .<CreateOutcome>map(CreateOutcome.Created::new)
                          .recover(
                              e -> {
                                if (e instanceof WorkspaceChanged && attempt < MAX_REPLANS) {
                                  LOG.info(
                                      "Workspace "
                                          + request.workspace()
                                          + " changed while creating jobs for "
                                          + request.rapId()
                                          + "; planning again");
                                  return planResolveAndInsert(request, pipeline, attempt + 1);
                                }
                                if (e instanceof WorkspaceChanged) {
                                  return Future.failedFuture(
                                      new IllegalStateException(
                                          "workspace kept changing during job creation"));
                                }
                                return Future.failedFuture(e);
                              });
                    }));
  }

  /**
   * Plans the request against the workspace {@code state}: a planning error fails the future,
   * "nothing to do" is the outcome, and new jobs go to {@code then}.
   */
  private Future<CreateOutcome> plan(
      CreateRequest request,
      Pipeline pipeline,
      Map<String, Job> state,
      Function<List<Job>, Future<CreateOutcome>> then) {
    Plan plan;
    try {
      plan = JobPlanner.plan(request, pipeline, state, clock.instant(), random);
    } catch (JobCreationException e) {
      return Future.failedFuture(e);
    }
    if (plan instanceof Plan.NothingToDo nothing) {
      return Future.succeededFuture(new CreateOutcome.NothingToDo(nothing.details()));
    }
    return then.apply(((Plan.NewJobs) plan).jobs());
  }

  private static Future<List<Job>> checkCodelists(CreateRequest request, List<Job> jobs) {
    if (!request.codelistsOk()) {
      for (Job job : jobs) {
        if (job.requiresDb()) {
          return Future.failedFuture(
              new JobCreationException(
                  "Codelists are out of date (required by action " + job.action() + ")"));
        }
      }
    }
    return Future.succeededFuture(jobs);
  }

  private Future<List<Job>> insert(
      CreateRequest request, Map<String, Job> planState, List<Job> jobs) {
    return ctx.db()
        .inTransaction(
            conn ->
                locked(
                    conn,
                    request,
                    () ->
                        ctx.jobs().latestIdPerAction(conn, request.backend(), request.workspace())),
            (conn, now) -> {
              if (!now.equals(ids(planState))) {
                return Future.failedFuture(new WorkspaceChanged());
              }
              return ctx.jobs().insertAll(conn, jobs).map(jobs);
            })
        .onSuccess(inserted -> committed(request, inserted));
  }

  private static Map<String, String> ids(Map<String, Job> state) {
    Map<String, String> out = new HashMap<>();
    state.forEach((action, job) -> out.put(action, job.id()));
    return out;
  }
}
