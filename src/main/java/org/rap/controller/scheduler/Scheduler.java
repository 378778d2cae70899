package org.rap.controller.scheduler;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.rap.common.config.ControllerConfig;
import org.rap.common.model.Job;
import org.rap.common.model.Timestamps;
import org.rap.common.telemetry.LogTags;
import org.rap.controller.ControllerContext;
import org.rap.controller.telemetry.ControllerMeters;
import org.rap.controller.telemetry.LoopJobSpans;

/**
 * One scheduler pass over every active job (docs/spec/scheduling.md sections 1 and 2), designed for
 * many active jobs: read a {@link PassSnapshot} (a few queries for all jobs), decide every job in
 * memory with {@link JobRules} ({@link PassDecisions}), store the decisions ({@link EffectWriter}:
 * one batched transaction for plain changes, one per job only where a task is created or
 * cancelled), count the jobs that failed ({@link LoopErrors}) and keep the scheduled database tasks
 * ({@link ScheduledDbTasks}). Passes must not run concurrently (the verticle serialises them).
 */
public final class Scheduler implements PassRunner {
  private static final Logger LOG = Logger.getLogger(Scheduler.class.getName());

  /** Tunables that are not part of the reference configuration. */
  public record Options(Duration errorBackoffBase, Duration errorBackoffMax) {
    public static Options defaults() {
      return new Options(Duration.ofSeconds(1), Duration.ofSeconds(60));
    }
  }

  /** Figures of one pass (for logs and benchmarks). */
  public record PassStats(
      int activeJobs, int changed, int refreshed, int tasksCreated, int cancelTasks, int errors) {}

  private final ControllerConfig config;
  private final Map<String, ResourceWeights> weights;
  private final LongSupplier clockNanos;
  private final SnapshotReader snapshots;
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

  @Override
  public Future<PassStats> runPass() {
    long nowNs = clockNanos.getAsLong();
    long nowS = nowNs / 1_000_000_000L;
    return snapshots
        .read()
        .compose(
            s -> {
              WorkerPools pools = new WorkerPools(weights, config, s.active());
              PassDecisions pass = PassDecisions.decide(s, rules, pools, errors, loopJobs, nowNs);
              remindUnchanged(pass, nowNs);
              return writer
                  .write(pass.decisions.values(), s.active().size(), pass.failures, nowNs)
                  .compose(
                      written ->
                          errors
                              .record(pass.failures, s.byId(), nowNs)
                              .compose(
                                  v ->
                                      errors.clearRecovered(
                                          pass.decisions.keySet(), pass.failures.keySet()))
                              .compose(v -> dbTasks.maintain(s.flags(), nowS))
                              .map(
                                  v ->
                                      new PassStats(
                                          s.active().size(),
                                          written.changed(),
                                          written.refreshed(),
                                          written.tasksCreated(),
                                          written.cancelTasks(),
                                          pass.failures.size())))
                  .onSuccess(stats -> meters.passCompleted(s.active(), pass.decided, nowNs));
            });
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
    for (Decision d : pass.decisions.values()) {
      if (d.effect() == Decision.Effect.WRITE && d.outcome().kind() != StatusBook.Kind.CHANGE) {
        Job j = d.outcome().job();
        LogTags.job(j)
            .log(LOG, Level.INFO, StatusBook.logLine(j, j.statusCode(), j.statusMessage()));
      }
    }
  }
}
