package org.rap.controller.scheduler;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.rap.common.config.ControllerConfig;
import org.rap.common.model.Job;
import org.rap.common.model.Timestamps;
import org.rap.common.telemetry.LogTags;
import org.rap.controller.ControllerContext;
import org.rap.controller.db.JobChanges;
import org.rap.controller.telemetry.ControllerMeters;
import org.rap.controller.telemetry.LoopJobSpans;

/**
 * One scheduler pass (docs/spec/scheduling.md sections 1 and 2), designed for many active jobs and
 * costing what changed, not what is active. The active jobs stay in memory between passes ({@link
 * ActiveJobs}); a pass reads only the jobs that changed since the last one ({@link ChangeReader}:
 * the database records them by trigger, whoever wrote them), decides those and the jobs their
 * changes concern in memory with {@link JobRules} ({@link PassDecisions}), stores the decisions
 * ({@link EffectWriter}: one batched transaction for plain changes and the 60-second keep-alive of
 * the jobs due, one per job only where a task is created or cancelled), counts the jobs that failed
 * ({@link LoopErrors}) and keeps the scheduled database tasks ({@link ScheduledDbTasks}).
 *
 * <p>The first pass, a pass after {@link #resync} (the loop lock taken over, a pass that failed)
 * and one pass every {@link Options#fullPassInterval} read every active job ({@link
 * SnapshotReader}) and decide them all: the safety net. Passes must not run concurrently (the
 * verticle serialises them).
 */
public final class Scheduler implements PassRunner {
  private static final Logger LOG = Logger.getLogger(Scheduler.class.getName());

  /**
   * Tunables that are not part of the reference configuration.
   *
   * @param fullPassInterval how often a pass reads and decides every active job although the
   *     incremental passes miss nothing (a safety net); zero: every pass
   */
  public record Options(
      Duration errorBackoffBase, Duration errorBackoffMax, Duration fullPassInterval) {
    public Options(Duration errorBackoffBase, Duration errorBackoffMax) {
      this(errorBackoffBase, errorBackoffMax, Duration.ofMinutes(10));
    }

    public static Options defaults() {
      return new Options(Duration.ofSeconds(1), Duration.ofSeconds(60));
    }
  }

  /**
   * Figures of one pass (for logs and benchmarks).
   *
   * @param decided jobs decided by the pass (every active job on a full pass)
   */
  public record PassStats(
      int activeJobs,
      int changed,
      int refreshed,
      int tasksCreated,
      int cancelTasks,
      int errors,
      int decided,
      boolean full) {
    public PassStats(
        int activeJobs, int changed, int refreshed, int tasksCreated, int cancelTasks, int errors) {
      this(activeJobs, changed, refreshed, tasksCreated, cancelTasks, errors, 0, false);
    }
  }

  private final ControllerConfig config;
  private final Map<String, ResourceWeights> weights;
  private final LongSupplier clockNanos;
  private final SnapshotReader snapshots;
  private final ChangeReader changes;
  private final Duration fullPassInterval;
  private final JobRules rules;
  private final EffectWriter writer;
  private final LoopErrors errors;
  private final ScheduledDbTasks dbTasks;
  private final ControllerMeters meters;
  private final LoopJobSpans loopJobs;

  /**
   * The UNIX minute in which unchanged jobs were last logged (docs/spec/job-model.md section 8).
   */
  private long lastReminderMinute = -1;

  /** The active jobs as of the last pass; null until a full read. */
  private ActiveJobs model;

  private long lastFullPassNs;

  /** The second of the last keep-alive and scheduled-task upkeep, and whether it left jobs due. */
  private long lastKeepAliveS = Long.MIN_VALUE;

  private boolean keepAliveBacklog;
  private long lastDbTasksS = Long.MIN_VALUE;

  public Scheduler(
      Vertx vertx,
      ControllerContext ctx,
      ImageDigests digests,
      Map<String, ResourceWeights> weights,
      LongSupplier clockNanos,
      Options options) {
    this.config = ctx.config();
    this.weights = Map.copyOf(weights);
    this.clockNanos = clockNanos;
    this.meters = new ControllerMeters(ctx.telemetry(), config.backendSlugs());
    this.loopJobs = new LoopJobSpans(ctx.telemetry());
    JobDefinitions definitions = new JobDefinitions(config);
    JobCancellation cancellation = new JobCancellation(ctx.tasks());
    this.snapshots = new SnapshotReader(ctx, ctx.newJobs());
    this.changes = new ChangeReader(ctx, ctx.newJobs(), new JobChanges());
    this.fullPassInterval = options.fullPassInterval();
    this.rules = new JobRules(config.maxTaskAttempts());
    this.writer =
        new EffectWriter(
            vertx, ctx, new RunJobStarter(ctx, definitions, digests), cancellation, meters);
    this.errors =
        new LoopErrors(ctx, rules, writer, options.errorBackoffBase(), options.errorBackoffMax());
    this.dbTasks = new ScheduledDbTasks(ctx, definitions, digests, writer);
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
            ? new CachingImageDigests(RegistryDigestLookup.create(vertx))
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

  /** The next pass reads and decides every active job (e.g. after the loop lock changed hands). */
  @Override
  public void resync() {
    model = null;
  }

  @Override
  public Future<PassStats> runPass() {
    long nowNs = clockNanos.getAsLong();
    boolean full =
        model == null
            || fullPassInterval.isZero()
            || nowNs - lastFullPassNs >= fullPassInterval.toNanos();
    Future<ChangeReader.Work> read =
        full ? fullRead(nowNs) : changes.read(model, errors.due(nowNs));
    return read.compose(work -> decideAndWrite(work, full, nowNs))
        .onFailure(e -> model = null); // what the model holds is uncertain: read everything again
  }

  /** Clears the recorded changes, then reads every active job: the new model. */
  private Future<ChangeReader.Work> fullRead(long nowNs) {
    return changes
        .clear()
        .compose(v -> snapshots.read())
        .map(
            s -> {
              model = ActiveJobs.of(s, new WorkerPools(weights, config));
              lastFullPassNs = nowNs;
              return new ChangeReader.Work(
                  new LinkedHashSet<>(s.byId().keySet()), Set.of(), s.erroredAttempts(), true);
            });
  }

  private Future<PassStats> decideAndWrite(ChangeReader.Work work, boolean full, long nowNs) {
    long nowS = nowNs / 1_000_000_000L;
    ActiveJobs m = model;
    PassDecisions pass =
        PassDecisions.decide(
            m,
            work.candidates(),
            work.freed(),
            work.erroredAttempts(),
            rules,
            errors,
            loopJobs,
            nowNs);
    // jobs fall due for their keep-alive by the second: look once a second, or at once while a
    // backlog is being worked through in bounded batches
    boolean keepAlive = full || nowS != lastKeepAliveS || keepAliveBacklog;
    return writer
        .write(pass.decisions.values(), m.size(), keepAlive, pass.failures, nowNs)
        .compose(
            written -> {
              if (keepAlive) {
                lastKeepAliveS = nowS;
                keepAliveBacklog = written.refreshed() >= EffectWriter.keepAliveBatch(m.size());
              }
              // the model follows what was stored; a job whose write failed stays as it was
              List<String> changed = new ArrayList<>();
              for (Decision d : pass.decisions.values()) {
                if (!pass.failures.containsKey(d.outcome().previous().id())) {
                  m.put(d.outcome().job());
                  if (d.outcome().kind() == StatusBook.Kind.CHANGE) {
                    changed.add(d.outcome().job().id());
                  }
                }
              }
              // a job whose status changed is decided again on the next pass (a retry after
              // waiting_on_new_task, for one): its own write is not read back
              m.markDirty(changed);
              m.markDirty(pass.carried);
              remindUnchanged(pass, nowNs);
              return errors
                  .record(pass.failures, m.byId(), nowNs) // failed jobs: as they were
                  .compose(
                      v -> errors.clearRecovered(pass.decisions.keySet(), pass.failures.keySet()))
                  .compose(v -> maintainDbTasks(m.flags(), work.flagsChanged() || full, nowS))
                  .map(
                      v ->
                          new PassStats(
                              m.size(),
                              written.changed(),
                              written.refreshed(),
                              written.tasksCreated(),
                              written.cancelTasks(),
                              pass.failures.size(),
                              pass.decided.size(),
                              full));
            })
        .onSuccess(stats -> metrics(m, nowNs));
  }

  /**
   * The scheduled database tasks depend on the flags and on time in seconds: kept once a second,
   * and at once when a flag changed.
   */
  private Future<Void> maintainDbTasks(Flags flags, boolean flagsChanged, long nowS) {
    if (!flagsChanged && nowS == lastDbTasksS) {
      return Future.succeededFuture();
    }
    lastDbTasksS = nowS;
    return dbTasks.maintain(flags, nowS);
  }

  /** The gauges of the active jobs, from the counts the model keeps. */
  private void metrics(ActiveJobs m, long nowNs) {
    meters.activeJobs(m.counts(), m.codes(), m.oldestPending(), nowNs);
  }

  /**
   * The reference logs the message of every unchanged active job at INFO when the current minute is
   * divisible by 10; we do that once in such a minute rather than on every pass of it.
   */
  private void remindUnchanged(PassDecisions pass, long nowNs) {
    long minute = nowNs / 60_000_000_000L;
    if (minute % 10 != 0 || minute == lastReminderMinute || !LOG.isLoggable(Level.INFO)) {
      return;
    }
    lastReminderMinute = minute;
    for (Job j : model.all()) {
      Decision d = pass.decisions.get(j.id());
      boolean changedNow = d != null && d.outcome().kind() == StatusBook.Kind.CHANGE;
      if (!changedNow && !errors.backingOff(j.id(), nowNs)) {
        LogTags.job(j)
            .log(LOG, Level.INFO, StatusBook.logLine(j, j.statusCode(), j.statusMessage()));
      }
    }
  }
}
