package org.rap.controller.scheduler;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlClient;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.function.LongSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.rap.common.config.BackendSettings;
import org.rap.common.config.ControllerConfig;
import org.rap.common.model.Job;
import org.rap.common.model.JobDefinition;
import org.rap.common.model.JobIds;
import org.rap.common.model.State;
import org.rap.common.model.StatusCode;
import org.rap.common.model.StatusMessages;
import org.rap.common.model.Task;
import org.rap.common.model.TaskType;
import org.rap.common.model.Timestamps;
import org.rap.common.telemetry.LogTags;
import org.rap.controller.ControllerContext;
import org.rap.controller.db.DatabaseOutages;
import org.rap.controller.db.JobRepository;
import org.rap.controller.db.TaskRepository.RunJobState;
import org.rap.controller.db.TaskRepository.ScheduledSummary;
import org.rap.controller.telemetry.ControllerMeters;

/**
 * One scheduler pass over every active job (docs/spec/scheduling.md sections 1 and 2), designed for
 * many active jobs: the pass reads the active jobs, the latest RUNJOB task of every running job and
 * the flags once (plus the states of finished dependencies), decides every job in memory in the
 * reference's fairness order, writes all plain status changes and 60-second refreshes in one
 * batched transaction, and runs a transaction per job only where a task is created or cancelled.
 *
 * <p>Failures are isolated per job: a job whose handling throws is recorded ({@code loop_errors}),
 * retried on later passes with exponential backoff, and failed with {@code internal_error} after
 * {@code MAX_LOOP_ERRORS_PER_JOB} failures. Passes must not run concurrently (the verticle
 * serialises them).
 */
public final class Scheduler implements PassRunner {
  private static final Logger LOG = Logger.getLogger(Scheduler.class.getName());
  private static final int STATES_CHUNK = 500;

  /**
   * At most this many 60-second keep-alive refreshes per pass, oldest first. When many jobs fall
   * due at once (10,000 jobs created in the same minute), one UPDATE of all of them would make that
   * pass several times slower than the others; spread over passes, {@code updated_at} still stays
   * far younger than the 30 minutes after which job-server reports missing updates. With more than
   * 10,000 active jobs the batch grows so that any backlog clears within 40 passes (at the
   * production interval of 5 s, under 4 minutes even if no event wakes the loop).
   */
  static final int KEEP_ALIVE_BATCH = 250;

  static int keepAliveBatch(int activeJobs) {
    return Math.max(KEEP_ALIVE_BATCH, (activeJobs + 39) / 40);
  }

  /** Reference test hook: a scheduler error whose text contains this fails the job at once. */
  public static final String HARD_FAILURE_TEST_HOOK = "test_hard_failure";

  /** Tunables that are not part of the reference configuration. */
  public record Options(Duration errorBackoffBase, Duration errorBackoffMax) {
    public static Options defaults() {
      return new Options(Duration.ofSeconds(1), Duration.ofSeconds(60));
    }
  }

  /** Figures of one pass (for logs and benchmarks). */
  public record PassStats(
      int activeJobs, int changed, int refreshed, int tasksCreated, int cancelTasks, int errors) {}

  private record ErrorState(int count, long retryAtNanos) {}

  private sealed interface Effect {
    StatusBook.Outcome outcome();
  }

  /** A plain status write (or nothing), batched. */
  private record Write(StatusBook.Outcome outcome) implements Effect {}

  /** cancel_job plus the status change, in one transaction. */
  private record CancelAndSet(StatusBook.Outcome outcome) implements Effect {}

  /** Create a RUNJOB task and set {@code initiated}, in one transaction. */
  private record Start(StatusBook.Outcome outcome) implements Effect {}

  private final Vertx vertx;
  private final ControllerContext ctx;
  private final ControllerConfig config;
  private final ImageDigests digests;
  private final Map<String, ResourceWeights> weights;
  private final JobDefinitions definitions;
  private final JobCancellation cancellation;
  private final LongSupplier clockNanos;
  private final Options options;
  private final Map<String, ErrorState> errors = new HashMap<>();
  private final ControllerMeters meters;

  /** This pass's completed RUNJOB results by job id (attributes of the jobs' final spans). */
  private final Map<String, JsonObject> completedResults = new HashMap<>();

  /**
   * The UNIX minute in which unchanged jobs were last logged (docs/spec/job-model.md section 8).
   */
  private long lastReminderMinute = -1;

  /** Immutable columns of active jobs, by id (only status columns change after insert). */
  private Map<String, Job> jobCache = new HashMap<>();

  public Scheduler(
      Vertx vertx,
      ControllerContext ctx,
      ImageDigests digests,
      Map<String, ResourceWeights> weights,
      LongSupplier clockNanos,
      Options options) {
    this.vertx = vertx;
    this.ctx = ctx;
    this.config = ctx.config();
    this.digests = digests;
    this.weights = Map.copyOf(weights);
    this.definitions = new JobDefinitions(config);
    this.cancellation = new JobCancellation(ctx.tasks());
    this.clockNanos = clockNanos;
    this.options = options;
    this.meters = new ControllerMeters(ctx.telemetry(), config.backendSlugs());
  }

  /**
   * A scheduler with the real clock, weights read from WORKDIR, and image digests from the registry
   * when {@code IMAGE_DIGEST_LOOKUP} is on (else {@code image_sha} stays null).
   */
  public static Scheduler create(Vertx vertx, ControllerContext ctx) {
    return new Scheduler(
        vertx,
        ctx,
        ctx.config().imageDigestLookup()
            ? new CachingImageDigests(RegistryDigestLookup.create())
            : CachingImageDigests.offline(),
        loadWeights(ctx.config()),
        Timestamps::nowNanos,
        Options.defaults());
  }

  /** Reads every backend's weights file once (start-up). A malformed file is a start-up error. */
  public static Map<String, ResourceWeights> loadWeights(ControllerConfig config) {
    Map<String, ResourceWeights> out = new HashMap<>();
    for (String b : config.backendSlugs()) {
      try {
        out.put(b, ResourceWeights.load(config.common().workdir(), b));
      } catch (IOException e) {
        throw new IllegalStateException(
            "Cannot read "
                + ResourceWeights.file(config.common().workdir(), b)
                + ": "
                + e.getMessage(),
            e);
      }
    }
    return out;
  }

  private ResourceWeights weightsOf(String backend) {
    return weights.getOrDefault(backend, ResourceWeights.none());
  }

  // ---------------------------------------------------------------------------------------------
  // The pass

  /** Everything one pass reads up front. */
  private static final class Snapshot {
    Flags flags;
    List<Job> active;
    Map<String, Job> byId;
    Map<String, RunJobState> runJobs;
    Map<String, State> finishedDeps;

    /** For running jobs whose latest task ended with an agent error: errored tasks so far. */
    final Map<String, Integer> erroredAttempts = new HashMap<>();

    final Map<String, State> decided = new HashMap<>();
  }

  @Override
  public Future<PassStats> runPass() {
    long nowNs = clockNanos.getAsLong();
    completedResults.clear();
    Pool pool = ctx.db().pool();
    Snapshot s = new Snapshot();
    Future<Void> flags =
        ctx.flags()
            .everyBackend(pool)
            .map(
                f -> {
                  s.flags = Flags.of(f);
                  return null;
                });
    Future<Void> jobs =
        ctx.jobs()
            .findActiveStatus(pool)
            .compose(rows -> activeJobs(pool, rows))
            .map(
                j -> {
                  s.active = j;
                  return null;
                });
    Future<Void> tasks =
        ctx.tasks()
            .latestRunJobStatesOfRunningJobs(pool)
            .map(
                t -> {
                  s.runJobs = t;
                  return null;
                });
    return Future.all(flags, jobs, tasks)
        .compose(loaded -> countErroredAttempts(pool, s))
        .compose(
            loaded -> {
              s.byId = new HashMap<>(s.active.size() * 2);
              for (Job j : s.active) {
                s.byId.put(j.id(), j);
              }
              Set<String> missing = new HashSet<>();
              for (Job j : s.active) {
                if (j.state() == State.PENDING) {
                  for (String dep : j.waitForJobIds()) {
                    if (!s.byId.containsKey(dep)) {
                      missing.add(dep);
                    }
                  }
                }
              }
              return statesOf(pool, new ArrayList<>(missing));
            })
        .compose(
            deps -> {
              s.finishedDeps = deps;
              return process(s, nowNs);
            })
        .onSuccess(stats -> meters.passCompleted(s.active, s.decided, nowNs));
  }

  /**
   * MAX_TASK_ATTEMPTS counts the tasks the agent ended with an error, not every task: a task
   * replaced because of database maintenance or a reboot is not a failed attempt. Only jobs whose
   * latest task just errored need the count (rare), so this reads their tasks one job at a time.
   */
  private Future<Void> countErroredAttempts(SqlClient client, Snapshot s) {
    List<Future<Void>> parts = new ArrayList<>();
    for (RunJobState t : s.runJobs.values()) {
      if (t.agentComplete() && TaskResults.erroredSafely(t.agentResults())) {
        parts.add(
            ctx.tasks()
                .findRunJobTasks(client, t.jobId())
                .map(
                    all -> {
                      int n = 0;
                      for (Task task : all) {
                        if (Boolean.TRUE.equals(task.agentComplete())
                            && TaskResults.erroredSafely(task.agentResults())) {
                          n++;
                        }
                      }
                      s.erroredAttempts.put(t.jobId(), n);
                      return null;
                    }));
      }
    }
    return Future.all(parts).mapEmpty();
  }

  /**
   * The active jobs: status columns from this pass's narrow query combined with the immutable
   * columns cached from earlier passes; only jobs new to the scheduler are read in full.
   */
  private Future<List<Job>> activeJobs(SqlClient client, List<JobRepository.StatusRow> rows) {
    List<String> missing = new ArrayList<>();
    for (JobRepository.StatusRow r : rows) {
      if (!jobCache.containsKey(r.id())) {
        Job created = ctx.jobs().takeInserted(r.id()); // created by this process: no read back
        if (created != null) {
          jobCache.put(created.id(), created);
        } else {
          missing.add(r.id());
        }
      }
    }
    List<Future<List<Job>>> parts = new ArrayList<>();
    for (int i = 0; i < missing.size(); i += STATES_CHUNK) {
      parts.add(
          ctx.jobs()
              .findByIds(client, missing.subList(i, Math.min(missing.size(), i + STATES_CHUNK))));
    }
    return Future.all(parts)
        .map(
            loaded -> {
              for (Future<List<Job>> p : parts) {
                for (Job j : p.result()) {
                  jobCache.put(j.id(), j);
                }
              }
              Map<String, Job> keep = new HashMap<>(rows.size() * 2);
              List<Job> out = new ArrayList<>(rows.size());
              for (JobRepository.StatusRow r : rows) {
                Job cached = jobCache.get(r.id());
                if (cached == null) {
                  continue; // vanished between the two queries
                }
                Job current = r.matches(cached) ? cached : r.applyTo(cached);
                keep.put(cached.id(), current);
                out.add(current);
              }
              jobCache = keep; // drops jobs that are no longer active
              return out;
            });
  }

  private Future<Map<String, State>> statesOf(SqlClient client, List<String> ids) {
    if (ids.isEmpty()) {
      return Future.succeededFuture(Map.of());
    }
    List<Future<Map<String, State>>> parts = new ArrayList<>();
    for (int i = 0; i < ids.size(); i += STATES_CHUNK) {
      parts.add(
          ctx.jobs().statesOf(client, ids.subList(i, Math.min(ids.size(), i + STATES_CHUNK))));
    }
    return Future.all(parts)
        .map(
            all -> {
              Map<String, State> out = new HashMap<>();
              for (Future<Map<String, State>> p : parts) {
                out.putAll(p.result());
              }
              return out;
            });
  }

  private Future<PassStats> process(Snapshot s, long nowNs) {
    // Pool usage per backend: [non-DB, DB], from the running jobs as loaded.
    Map<String, double[]> usage = new HashMap<>();
    for (Job j : s.active) {
      if (j.state() == State.RUNNING) {
        usage.computeIfAbsent(j.backend(), b -> new double[2])[j.requiresDb() ? 1 : 0] +=
            weightsOf(j.backend()).weightOf(j);
      }
    }
    Map<String, Integer> runningCounts = new HashMap<>();
    Map<String, Effect> effects = new LinkedHashMap<>();
    Map<String, Throwable> failures = new LinkedHashMap<>();
    List<Job> running = new ArrayList<>();
    List<Job> pending = new ArrayList<>();
    for (Job j : s.active) {
      (j.state() == State.RUNNING ? running : pending).add(j);
    }
    running.sort(Comparator.comparingLong(Job::createdAt).thenComparing(Job::id));
    for (Job job : running) {
      handle(job, s, usage, runningCounts, effects, failures, nowNs);
    }
    FairOrder order = new FairOrder(pending, runningCounts);
    while (order.hasNext()) {
      handle(order.next(), s, usage, runningCounts, effects, failures, nowNs);
    }
    remindUnchanged(effects, nowNs);
    return applyEffects(s, effects, failures, nowNs);
  }

  /**
   * The reference logs the message of every unchanged active job at INFO when the current minute is
   * divisible by 10; we do that once in such a minute rather than on every pass of it.
   */
  private void remindUnchanged(Map<String, Effect> effects, long nowNs) {
    long minute = nowNs / 60_000_000_000L;
    if (minute % 10 != 0 || minute == lastReminderMinute || !LOG.isLoggable(Level.INFO)) {
      return;
    }
    lastReminderMinute = minute;
    for (Effect e : effects.values()) {
      if (e instanceof Write w && w.outcome().kind() != StatusBook.Kind.CHANGE) {
        Job j = w.outcome().job();
        LogTags.job(j)
            .log(LOG, Level.INFO, StatusBook.logLine(j, j.statusCode(), j.statusMessage()));
      }
    }
  }

  private void handle(
      Job job,
      Snapshot s,
      Map<String, double[]> usage,
      Map<String, Integer> runningCounts,
      Map<String, Effect> effects,
      Map<String, Throwable> failures,
      long nowNs) {
    ErrorState err = errors.get(job.id());
    State after = job.state();
    if (err != null && nowNs < err.retryAtNanos()) {
      // backing off after an error: leave the job as it is this pass
    } else {
      try {
        Effect e = decide(job, s, usage, nowNs);
        effects.put(job.id(), e);
        after = e instanceof Start ? State.RUNNING : e.outcome().job().state();
        if (e instanceof Start) {
          usage.computeIfAbsent(job.backend(), b -> new double[2])[job.requiresDb() ? 1 : 0] +=
              weightsOf(job.backend()).weightOf(job);
        }
      } catch (RuntimeException ex) {
        failures.put(job.id(), ex);
      }
    }
    s.decided.put(job.id(), after);
    if (job.state() == State.RUNNING && after != State.RUNNING) {
      usage.computeIfAbsent(job.backend(), b -> new double[2])[job.requiresDb() ? 1 : 0] -=
          weightsOf(job.backend()).weightOf(job);
    }
    if (after == State.RUNNING) {
      runningCounts.merge(FairOrder.key(job), 1, Integer::sum);
    }
  }

  /** The per-job state machine (docs/spec/scheduling.md section 2), without side effects. */
  private Effect decide(Job job, Snapshot s, Map<String, double[]> usage, long nowNs) {
    RunJobState task = job.state() == State.RUNNING ? s.runJobs.get(job.id()) : null;
    // 2.1 cancelled
    if (job.cancelled()) {
      StatusBook.Outcome o =
          StatusBook.setCode(
              job, StatusCode.CANCELLED_BY_USER, StatusMessages.CANCELLED_BY_USER, null, nowNs);
      return task != null && task.active() ? new CancelAndSet(o) : new Write(o);
    }
    String backend = job.backend();
    // 2.2 paused (pending jobs only)
    if (s.flags.paused(backend) && job.state() == State.PENDING) {
      if (job.statusCode() == StatusCode.WAITING_ON_REBOOT) {
        return new Write(
            StatusBook.setCode(job, job.statusCode(), job.statusMessage(), null, nowNs));
      }
      return new Write(
          StatusBook.setCode(job, StatusCode.WAITING_PAUSED, StatusMessages.PAUSED, null, nowNs));
    }
    // 2.3 database maintenance
    if (s.flags.inDbMaintenance(backend) && job.requiresDb()) {
      StatusBook.Outcome o =
          StatusBook.setCode(
              job,
              StatusCode.WAITING_DB_MAINTENANCE,
              StatusMessages.WAITING_DB_MAINTENANCE,
              null,
              nowNs);
      return job.state() == State.RUNNING ? new CancelAndSet(o) : new Write(o);
    }
    if (job.state() == State.PENDING) {
      return decidePending(job, s, usage, nowNs);
    }
    return decideRunning(job, task, s, nowNs);
  }

  private Effect decidePending(Job job, Snapshot s, Map<String, double[]> usage, long nowNs) {
    boolean waiting = false;
    for (String dep : job.waitForJobIds()) {
      State st =
          s.decided.containsKey(dep)
              ? s.decided.get(dep)
              : s.byId.containsKey(dep) ? s.byId.get(dep).state() : s.finishedDeps.get(dep);
      if (st == null) {
        continue; // unknown id: ignored, as the reference's lookup ignores it
      }
      if (st == State.FAILED) {
        return new Write(
            StatusBook.setCode(
                job, StatusCode.DEPENDENCY_FAILED, StatusMessages.DEPENDENCY_FAILED, null, nowNs));
      }
      if (st != State.SUCCEEDED) {
        waiting = true;
      }
    }
    if (waiting) {
      return new Write(
          StatusBook.setCode(
              job,
              StatusCode.WAITING_ON_DEPENDENCIES,
              StatusMessages.WAITING_ON_DEPENDENCIES,
              null,
              nowNs));
    }
    double weight = weightsOf(job.backend()).weightOf(job);
    BackendSettings b = config.backend(job.backend());
    double limit = b == null ? 0 : job.requiresDb() ? b.maxDbWorkers() : b.maxWorkers();
    double used = usage.getOrDefault(job.backend(), new double[2])[job.requiresDb() ? 1 : 0];
    if (used + weight > limit) {
      if (job.requiresDb()) {
        return new Write(
            StatusBook.setCode(
                job,
                StatusCode.WAITING_ON_DB_WORKERS,
                StatusMessages.WAITING_ON_DB_WORKERS,
                null,
                nowNs));
      }
      String message =
          StatusMessages.WAITING_ON_WORKERS
              + (weight > 1 ? StatusMessages.RESOURCE_INTENSIVE_SUFFIX : "");
      return new Write(
          StatusBook.setCode(job, StatusCode.WAITING_ON_WORKERS, message, null, nowNs));
    }
    return new Start(
        StatusBook.setCode(job, StatusCode.INITIATED, StatusMessages.INITIATED, null, nowNs));
  }

  private Effect decideRunning(Job job, RunJobState task, Snapshot s, long nowNs) {
    if (task == null) {
      throw new IllegalStateException(
          "Job " + job.id() + " (" + job.action() + ") is running but has no RUNJOB task");
    }
    if (task.agentComplete()) {
      JsonObject results = task.agentResults();
      completedResults.put(job.id(), results);
      if (TaskResults.hasError(results)) {
        if (TaskResults.isFatal(results)) {
          return new Write(
              StatusBook.setCode(job, StatusCode.JOB_ERROR, StatusMessages.JOB_ERROR, null, nowNs));
        }
        int attempt = s.erroredAttempts.getOrDefault(job.id(), attemptNumber(task.id()));
        if (attempt >= config.maxTaskAttempts()) {
          LOG.warning(
              "Job "
                  + job.id()
                  + " returned an error on attempt "
                  + attempt
                  + " (limit "
                  + config.maxTaskAttempts()
                  + "): "
                  + TaskResults.errorText(results));
          return new Write(
              StatusBook.setCode(
                  job, StatusCode.JOB_ERROR, retriesExhausted(attempt), null, nowNs));
        }
        return new Write(
            StatusBook.setCode(
                job,
                StatusCode.WAITING_ON_NEW_TASK,
                StatusMessages.WAITING_ON_NEW_TASK,
                null,
                nowNs));
      }
      TaskResults.Verdict v = TaskResults.verdict(results, job.requiresDb());
      return new Write(
          StatusBook.setCode(job, v.code(), v.message(), task.agentTimestampNs(), nowNs));
    }
    StatusCode code = StatusCode.find(task.agentStage()).orElse(job.statusCode());
    return new Write(
        StatusBook.setCode(job, code, job.statusMessage(), task.agentTimestampNs(), nowNs));
  }

  /** The JOB_ERROR message when agent-reported errors used up every attempt. */
  public static String retriesExhausted(int attempts) {
    return StatusMessages.JOB_ERROR
        + " It failed with an error on "
        + attempts
        + " attempts and will not be retried automatically.";
  }

  /** The attempt a RUNJOB task id encodes ({@code <job_id>-<NNN>}). */
  static int attemptNumber(String taskId) {
    int dash = taskId.lastIndexOf('-');
    try {
      return Integer.parseInt(taskId.substring(dash + 1));
    } catch (NumberFormatException e) {
      return 1;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Effects

  private Future<PassStats> applyEffects(
      Snapshot s, Map<String, Effect> effects, Map<String, Throwable> failures, long nowNs) {
    long nowS = nowNs / 1_000_000_000L;
    List<Job> changed = new ArrayList<>();
    List<StatusCode> expected = new ArrayList<>();
    List<StatusBook.Outcome> batched = new ArrayList<>();
    List<Job> stale = new ArrayList<>();
    List<Effect> transactional = new ArrayList<>();
    for (Effect e : effects.values()) {
      if (e instanceof Write w) {
        switch (w.outcome().kind()) {
          case CHANGE -> {
            changed.add(w.outcome().job());
            expected.add(w.outcome().previous().statusCode());
            batched.add(w.outcome());
          }
          case REFRESH -> stale.add(w.outcome().previous());
          case NONE -> {}
        }
      } else {
        transactional.add(e);
      }
    }
    List<String> refreshed = oldestFirst(stale, keepAliveBatch(s.active.size()));
    Future<Void> batch =
        changed.isEmpty() && refreshed.isEmpty()
            ? Future.succeededFuture()
            : ctx.db()
                .inTransaction(
                    conn -> {
                      // keep-alive first (one statement for a bounded batch of stale jobs), then
                      // the status changes, which set their own updated_at
                      // a transaction of keep-alives only need not wait for the disk
                      Future<?> f =
                          changed.isEmpty()
                              ? ctx.db().relaxDurability(conn)
                              : Future.succeededFuture();
                      f =
                          refreshed.isEmpty()
                              ? f
                              : f.compose(
                                  v ->
                                      ctx.jobs()
                                          .touchStale(
                                              conn, refreshed, nowS, StatusBook.REFRESH_SECONDS));
                      return f.compose(v -> ctx.jobs().updateStatusBatch(conn, changed, expected));
                    })
                .onSuccess(v -> batched.forEach(this::recorded));
    int[] created = new int[2];
    Future<Void> chain = batch;
    for (Effect e : transactional) {
      chain =
          chain.compose(
              v ->
                  applyTransactional(e, nowS)
                      .map(
                          kind -> {
                            created[kind]++;
                            return (Void) null;
                          })
                      .recover(
                          ex -> {
                            if (DatabaseOutages.isOutage(ex)) {
                              // not the job's fault: no loop error, the whole pass is retried
                              return Future.failedFuture(ex);
                            }
                            failures.put(e.outcome().previous().id(), ex);
                            return Future.succeededFuture();
                          }));
    }
    return chain
        .compose(v -> recordFailures(s, failures, nowNs))
        .compose(v -> clearRecovered(effects.keySet(), failures.keySet()))
        .compose(v -> maintainScheduledTasks(s.flags, nowS))
        .map(
            v ->
                new PassStats(
                    s.active.size(),
                    changed.size(),
                    refreshed.size(),
                    created[0],
                    created[1],
                    failures.size()));
  }

  private static final Comparator<Job> LEAST_RECENTLY_UPDATED =
      Comparator.comparing(Job::updatedAt, Comparator.nullsFirst(Comparator.naturalOrder()))
          .thenComparing(Job::id);

  /** The ids of at most {@code limit} jobs, least recently updated first (never updated first). */
  static List<String> oldestFirst(List<Job> jobs, int limit) {
    if (jobs.isEmpty()) {
      return List.of();
    }
    // keep the limit oldest in a bounded max-heap: O(n log limit), not a sort of every stale job
    PriorityQueue<Job> heap = new PriorityQueue<>(limit + 1, LEAST_RECENTLY_UPDATED.reversed());
    for (Job j : jobs) {
      heap.add(j);
      if (heap.size() > limit) {
        heap.poll();
      }
    }
    List<Job> kept = new ArrayList<>(heap);
    kept.sort(LEAST_RECENTLY_UPDATED);
    List<String> out = new ArrayList<>(kept.size());
    for (Job j : kept) {
      out.add(j.id());
    }
    return out;
  }

  /**
   * @return 0 when a RUNJOB task was created, 1 for a cancellation
   */
  private Future<Integer> applyTransactional(Effect e, long nowS) {
    Job before = e.outcome().previous();
    Job after = e.outcome().job();
    if (e instanceof CancelAndSet) {
      List<Task> inserted = new ArrayList<>();
      return ctx.db()
          .inTransaction(
              conn ->
                  cancellation
                      .cancelJob(conn, before, nowS)
                      .compose(
                          t -> {
                            t.ifPresent(inserted::add);
                            return ctx.jobs().updateStatus(conn, after, before.statusCode());
                          })
                      .compose(ok -> ok ? Future.succeededFuture() : changedConcurrently(before)))
          .map(
              v -> {
                inserted.forEach(t -> publishTaskCreated(t.backend(), t.id()));
                recorded(e.outcome());
                return 1;
              });
    }
    return startTask(before, after, nowS).onSuccess(v -> recorded(e.outcome())).map(0);
  }

  private static Future<Void> changedConcurrently(Job job) {
    return Future.failedFuture(
        new IllegalStateException(
            "Job " + job.id() + " changed status concurrently; retrying next pass"));
  }

  private Future<Void> startTask(Job before, Job after, long nowS) {
    String image;
    try {
      image = definitions.imageOf(before);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    Future<String> digest;
    if (digests.mayBlock()) {
      digest = vertx.executeBlocking(() -> digests.digest(image), false);
    } else {
      try {
        digest = Future.succeededFuture(digests.digest(image));
      } catch (RuntimeException e) {
        digest = Future.failedFuture(e);
      }
    }
    return digest.compose(
        sha -> {
          String[] taskId = new String[1];
          // both reads go out with BEGIN, and the two writes together: three round trips to the
          // database worker instead of six
          return ctx.db()
              .inTransaction(
                  conn ->
                      Future.all(
                          ctx.tasks().findRunJobTasks(conn, before.id()),
                          ctx.jobs()
                              .latestJobIdPerAction(
                                  conn,
                                  before.backend(),
                                  before.workspace(),
                                  before.requiresOutputsFrom())),
                  (conn, reads) -> {
                    List<Task> previous = reads.resultAt(0);
                    Map<String, String> latest = reads.resultAt(1);
                    for (Task t : previous) {
                      if (t.active()) {
                        return Future.failedFuture(
                            new IllegalStateException(
                                "Job "
                                    + before.id()
                                    + " already has an active RUNJOB task "
                                    + t.id()));
                      }
                    }
                    taskId[0] = JobIds.runJobTaskId(before.id(), previous.size() + 1);
                    List<String> inputs = new ArrayList<>();
                    for (String action : before.requiresOutputsFrom()) {
                      String id = latest.get(action);
                      if (id != null) {
                        inputs.add(id);
                      }
                    }
                    JobDefinition def = definitions.build(before, taskId[0], inputs, sha);
                    Task task =
                        new Task(
                            taskId[0],
                            before.backend(),
                            TaskType.RUNJOB,
                            def.toJson(),
                            true,
                            nowS,
                            null,
                            JobDefinitions.attributes(before),
                            null,
                            null,
                            null,
                            null);
                    // sent together; the conditional update decides (a failed insert rolls back)
                    Future<Void> inserted = ctx.tasks().insert(conn, task, before.id());
                    Future<Boolean> updated =
                        ctx.jobs().updateStatus(conn, after, before.statusCode());
                    return Future.join(inserted, updated)
                        .transform(
                            done -> {
                              if (inserted.failed()) {
                                return Future.<Void>failedFuture(inserted.cause());
                              }
                              if (updated.failed()) {
                                return Future.<Void>failedFuture(updated.cause());
                              }
                              return updated.result()
                                  ? Future.<Void>succeededFuture()
                                  : changedConcurrently(before);
                            });
                  })
              .onSuccess(v -> publishTaskCreated(before.backend(), taskId[0]));
        });
  }

  /** Metrics and the job's trace for a stored status change. */
  private void recorded(StatusBook.Outcome o) {
    meters.statusChanged(o.previous(), o.job(), completedResults.get(o.job().id()));
  }

  private void publishTaskCreated(String backend, String taskId) {
    meters.taskCreated(backend, taskId);
    vertx
        .eventBus()
        .publish(
            SchedulerEvents.TASK_CREATED,
            new JsonObject().put("backend", backend).put("task_id", taskId));
  }

  // ---------------------------------------------------------------------------------------------
  // Per-job failure isolation

  private Future<Void> recordFailures(Snapshot s, Map<String, Throwable> failures, long nowNs) {
    Future<Void> chain = Future.succeededFuture();
    for (Map.Entry<String, Throwable> f : failures.entrySet()) {
      Job job = s.byId.get(f.getKey());
      Throwable ex = f.getValue();
      chain =
          chain.compose(
              v ->
                  ctx.jobs()
                      .recordLoopError(ctx.db().pool(), job.id(), String.valueOf(ex))
                      .compose(count -> afterFailure(job, ex, count, nowNs))
                      .recover(
                          again -> {
                            LOG.log(
                                Level.SEVERE,
                                "Could not record the error of job " + job.id(),
                                again);
                            return Future.succeededFuture();
                          }));
    }
    return chain;
  }

  private Future<Void> afterFailure(Job job, Throwable ex, int count, long nowNs) {
    int max = config.maxLoopErrorsPerJob();
    // reference test hook: such errors are fatal for the job at once
    boolean hardFailure = String.valueOf(ex).contains(HARD_FAILURE_TEST_HOOK);
    if (count >= max || hardFailure) {
      LOG.log(
          Level.SEVERE,
          "Job "
              + job.id()
              + " failed "
              + count
              + " times in the scheduler; marking it internal_error",
          ex);
      errors.remove(job.id());
      StatusBook.Outcome o =
          StatusBook.setCode(
              job, StatusCode.INTERNAL_ERROR, StatusMessages.INTERNAL_ERROR, null, nowNs);
      List<Task> inserted = new ArrayList<>();
      return ctx.db()
          .inTransaction(
              conn ->
                  (job.state() == State.RUNNING
                          ? cancellation
                              .cancelJob(conn, job, nowNs / 1_000_000_000L)
                              .map(
                                  t -> {
                                    t.ifPresent(inserted::add);
                                    return (Void) null;
                                  })
                          : Future.<Void>succeededFuture())
                      .compose(v -> ctx.jobs().updateStatus(conn, o.job(), job.statusCode()))
                      .mapEmpty())
          .onSuccess(v -> inserted.forEach(t -> publishTaskCreated(t.backend(), t.id())))
          .onSuccess(v -> recorded(o))
          .mapEmpty();
    }
    long delay = options.errorBackoffBase().toNanos() << Math.min(count - 1, 30);
    delay = Math.min(Math.max(delay, 0), options.errorBackoffMax().toNanos());
    errors.put(job.id(), new ErrorState(count, nowNs + delay));
    LOG.log(
        Level.WARNING,
        "Error handling job "
            + job.id()
            + " (failure "
            + count
            + " of "
            + max
            + "); retrying in "
            + Duration.ofNanos(delay).toMillis()
            + " ms",
        ex);
    return Future.succeededFuture();
  }

  private Future<Void> clearRecovered(Set<String> handled, Set<String> failed) {
    List<String> recovered = new ArrayList<>();
    for (String id : errors.keySet()) {
      if (handled.contains(id) && !failed.contains(id)) {
        recovered.add(id);
      }
    }
    Future<Void> chain = Future.succeededFuture();
    for (String id : recovered) {
      errors.remove(id);
      chain = chain.compose(v -> ctx.jobs().clearLoopErrors(ctx.db().pool(), id));
    }
    return chain;
  }

  // ---------------------------------------------------------------------------------------------
  // Scheduled DB tasks (docs/spec/scheduling.md section 5.2)

  private Future<Void> maintainScheduledTasks(Flags flags, long nowS) {
    List<String> statusBackends = served(config.maintenanceEnabledBackends());
    List<String> checkBackends = served(config.dataCheckEnabledBackends());
    if (statusBackends.isEmpty() && checkBackends.isEmpty()) {
      return Future.succeededFuture();
    }
    return ctx.tasks()
        .scheduledSummaries(ctx.db().pool())
        .compose(
            summaries -> {
              Map<String, ScheduledSummary> byKey = new HashMap<>();
              for (ScheduledSummary s : summaries) {
                byKey.put(s.backend() + "/" + s.type().value(), s);
              }
              Future<Void> chain = Future.succeededFuture();
              for (String b : statusBackends) {
                boolean inactive =
                    flags.isSet(b, Flags.MANUAL_DB_MAINTENANCE)
                        && flags.isSet(b, Flags.CHECKS_DISABLED);
                chain =
                    chain.compose(
                        v ->
                            scheduled(
                                b,
                                TaskType.DBSTATUS,
                                inactive,
                                config.maintenancePollInterval().toSeconds(),
                                byKey.get(b + "/dbstatus"),
                                nowS));
              }
              for (String b : checkBackends) {
                boolean inactive = flags.inDbMaintenance(b);
                chain =
                    chain.compose(
                        v ->
                            scheduled(
                                b,
                                TaskType.DBDATACHECK,
                                inactive,
                                config.dataCheckPollInterval().toSeconds(),
                                byKey.get(b + "/dbdatacheck"),
                                nowS));
              }
              return chain;
            });
  }

  private List<String> served(List<String> backends) {
    return backends.stream().filter(config.backendSlugs()::contains).toList();
  }

  private Future<Void> scheduled(
      String backend,
      TaskType type,
      boolean inactive,
      long interval,
      ScheduledSummary summary,
      long nowS) {
    long active = summary == null ? 0 : summary.active();
    if (inactive) {
      return active == 0
          ? Future.succeededFuture()
          : ctx.tasks().deactivateAll(ctx.db().pool(), backend, type).mapEmpty();
    }
    if (active > 0) {
      return Future.succeededFuture();
    }
    if (summary != null
        && summary.lastFinishedAt() != null
        && summary.lastFinishedAt() > nowS - interval) {
      return Future.succeededFuture();
    }
    return vertx
        .executeBlocking(() -> digests.digest(definitions.databaseUtilsImage()), false)
        .compose(
            sha -> {
              JsonObject def =
                  type == TaskType.DBSTATUS
                      ? definitions.dbStatus(sha)
                      : definitions.dbDataCheck(sha);
              Task task =
                  new Task(
                      JobIds.scheduledTaskId(type),
                      backend,
                      type,
                      def,
                      true,
                      nowS,
                      null,
                      new JsonObject(),
                      null,
                      null,
                      null,
                      null);
              return ctx.tasks()
                  .insert(ctx.db().pool(), task, null)
                  .onSuccess(v -> publishTaskCreated(backend, task.id()));
            });
  }
}
