package org.rap.controller.scheduler;

import io.vertx.core.Future;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.rap.common.model.Job;
import org.rap.common.retry.Backoffs;
import org.rap.controller.ControllerContext;

/**
 * Isolates the jobs whose handling fails in a pass (docs/spec/scheduling.md section 1): each
 * failure is counted on the job ({@code loop_errors}), the job is left alone for a backoff that
 * doubles with each failure, and after {@code MAX_LOOP_ERRORS_PER_JOB} failures (at once for the
 * reference's test hook) it fails with {@code internal_error}. The other jobs are unaffected. A job
 * handled without error again has its count cleared.
 */
final class LoopErrors {
  private static final Logger LOG = Logger.getLogger(LoopErrors.class.getName());

  /** Reference test hook: a scheduler error whose text contains this fails the job at once. */
  static final String HARD_FAILURE_TEST_HOOK = "test_hard_failure";

  private record Backoff(int count, long retryAtNanos) {}

  private final ControllerContext ctx;
  private final JobRules rules;
  private final EffectWriter writer;
  private final Duration backoffBase;
  private final Duration backoffMax;
  private final Map<String, Backoff> backoffs = new HashMap<>();

  /**
   * @param backoffBase the backoff after a job's first failure, doubled with each further one
   * @param backoffMax the longest backoff
   */
  LoopErrors(
      ControllerContext ctx,
      JobRules rules,
      EffectWriter writer,
      Duration backoffBase,
      Duration backoffMax) {
    this.ctx = ctx;
    this.rules = rules;
    this.writer = writer;
    this.backoffBase = backoffBase;
    this.backoffMax = backoffMax;
  }

  /** Whether the job failed recently and is left alone until its backoff has passed. */
  boolean backingOff(String jobId, long nowNs) {
    Backoff b = backoffs.get(jobId);
    return b != null && nowNs < b.retryAtNanos();
  }

  /** The jobs that failed earlier and whose backoff is over: to decide again. */
  List<String> due(long nowNs) {
    List<String> out = new ArrayList<>();
    backoffs.forEach(
        (id, b) -> {
          if (nowNs >= b.retryAtNanos()) {
            out.add(id);
          }
        });
    return out;
  }

  /** Counts each failure on its job, then backs off or fails the job, one job after the other. */
  Future<Void> record(Map<String, Throwable> failures, Map<String, Job> byId, long nowNs) {
    Future<Void> chain = Future.succeededFuture();
    for (Map.Entry<String, Throwable> f : failures.entrySet()) {
      Job job = byId.get(f.getKey());
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
    int max = ctx.config().maxLoopErrorsPerJob();
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
      backoffs.remove(job.id());
      Decision d = rules.failedInScheduler(job, nowNs);
      StatusBook.log(d.outcome());
      return writer.apply(d, nowNs / 1_000_000_000L);
    }
    long delay = Backoffs.exponential(backoffBase.toNanos(), count - 1, backoffMax.toNanos());
    backoffs.put(job.id(), new Backoff(count, nowNs + delay));
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

  /** Clears the count of every job that failed before and was handled without error now. */
  Future<Void> clearRecovered(Set<String> handled, Set<String> failed) {
    List<String> recovered = new ArrayList<>();
    for (String id : backoffs.keySet()) {
      if (handled.contains(id) && !failed.contains(id)) {
        recovered.add(id);
      }
    }
    Future<Void> chain = Future.succeededFuture();
    for (String id : recovered) {
      backoffs.remove(id);
      chain = chain.compose(v -> ctx.jobs().clearLoopErrors(ctx.db().pool(), id));
    }
    return chain;
  }
}
