package org.rap.controller.scheduler;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.rap.common.model.Job;
import org.rap.common.model.StatusCode;
import org.rap.common.model.Task;
import org.rap.controller.ControllerContext;
import org.rap.controller.ControllerEvents;
import org.rap.controller.db.DatabaseOutages;
import org.rap.controller.telemetry.ControllerMeters;

/**
 * Stores a pass's decisions: every plain status change, and a bounded batch of 60-second keep-alive
 * refreshes, in one batched transaction; then a transaction per job where a task is created or
 * cancelled with the change. Every change is conditional on the job's old code, so a cancel request
 * and a pass never overwrite each other. A stored change is counted and traced; a created task is
 * announced to the task API's long polls.
 */
final class EffectWriter {
  /**
   * At most this many 60-second keep-alive refreshes per pass, oldest first. When many jobs fall
   * due at once (10,000 jobs created in the same minute), one UPDATE of all of them would make that
   * pass several times slower than the others; spread over passes, {@code updated_at} still stays
   * far younger than the 30 minutes after which job-server reports missing updates. With more than
   * 10,000 active jobs the batch grows so that any backlog clears within 40 passes (at the
   * production interval of 5 s, under 4 minutes even if no event wakes the loop). The jobs due are
   * found in the database (an index on the active jobs' {@code updated_at}), so a pass costs the
   * jobs due, not every active job.
   */
  static final int KEEP_ALIVE_BATCH = 250;

  /** What a pass wrote. */
  record Written(int changed, int refreshed, int tasksCreated, int cancelTasks) {}

  private final Vertx vertx;
  private final ControllerContext ctx;
  private final RunJobStarter starter;
  private final JobCancellation cancellation;
  private final ControllerMeters meters;

  EffectWriter(
      Vertx vertx,
      ControllerContext ctx,
      RunJobStarter starter,
      JobCancellation cancellation,
      ControllerMeters meters) {
    this.vertx = vertx;
    this.ctx = ctx;
    this.starter = starter;
    this.cancellation = cancellation;
    this.meters = meters;
  }

  static int keepAliveBatch(int activeJobs) {
    return Math.max(KEEP_ALIVE_BATCH, (activeJobs + 39) / 40);
  }

  /**
   * Stores {@code decisions}. A job whose transaction fails is added to {@code failures} (its
   * change is retried by a later pass); the other jobs are unaffected.
   */
  /**
   * @param keepAlive whether to look for jobs due for their keep-alive (at most once per second)
   */
  Future<Written> write(
      Collection<Decision> decisions,
      int activeJobs,
      boolean keepAlive,
      Map<String, Throwable> failures,
      long nowNs) {
    long nowS = nowNs / 1_000_000_000L;
    List<Job> changed = new ArrayList<>();
    List<StatusCode> expected = new ArrayList<>();
    List<Decision> batched = new ArrayList<>();
    List<Decision> transactional = new ArrayList<>();
    for (Decision d : decisions) {
      if (d.effect() != Decision.Effect.WRITE) {
        transactional.add(d);
      } else if (d.outcome().kind() == StatusBook.Kind.CHANGE) {
        changed.add(d.outcome().job());
        expected.add(d.outcome().previous().statusCode());
        batched.add(d);
      }
    }
    int[] refreshed = new int[1];
    Future<Void> batch =
        changed.isEmpty() && !keepAlive
            ? Future.succeededFuture()
            : ctx.db()
                .inTransaction(
                    conn -> {
                      // the status changes (which set their own updated_at), then the keep-alive
                      // of the jobs still due; a transaction of keep-alives only need not wait for
                      // the disk
                      Future<?> f =
                          changed.isEmpty()
                              ? ctx.db().relaxDurability(conn)
                              : ctx.jobs().updateStatusBatch(conn, changed, expected);
                      return keepAlive
                          ? f.compose(
                                  v ->
                                      ctx.jobs()
                                          .touchOldestStale(
                                              conn,
                                              nowS,
                                              StatusBook.REFRESH_SECONDS,
                                              keepAliveBatch(activeJobs)))
                              .map(
                                  n -> {
                                    refreshed[0] = n;
                                    return (Void) null;
                                  })
                          : f.mapEmpty();
                    })
                .onSuccess(v -> batched.forEach(this::recorded));
    int[] created = new int[2];
    Future<Void> chain = batch;
    for (Decision d : transactional) {
      chain =
          chain.compose(
              v ->
                  apply(d, nowS)
                      .map(
                          ignored -> {
                            created[d.effect() == Decision.Effect.START_TASK ? 0 : 1]++;
                            return (Void) null;
                          })
                      .recover(
                          ex -> {
                            if (DatabaseOutages.isOutage(ex)) {
                              // not the job's fault: no loop error, the whole pass is retried
                              return Future.failedFuture(ex);
                            }
                            failures.put(d.outcome().previous().id(), ex);
                            return Future.succeededFuture();
                          }));
    }
    return chain.map(v -> new Written(changed.size(), refreshed[0], created[0], created[1]));
  }

  /** Stores one decision in its own transaction (with its task, if any). */
  Future<Void> apply(Decision d, long nowS) {
    Job before = d.outcome().previous();
    Job after = d.outcome().job();
    return switch (d.effect()) {
      case START_TASK ->
          starter
              .start(before, after, nowS)
              .onSuccess(task -> announce(task.backend(), task.id()))
              .onSuccess(task -> recorded(d))
              .mapEmpty();
      case CANCEL_TASK -> {
        List<Task> inserted = new ArrayList<>();
        yield ctx.db()
            .inTransaction(
                conn ->
                    cancellation
                        .cancelJob(conn, before, nowS)
                        .compose(
                            t -> {
                              t.ifPresent(inserted::add);
                              return ctx.jobs().updateStatus(conn, after, before.statusCode());
                            })
                        .compose(ok -> ok ? Future.succeededFuture() : ConcurrentChange.of(before)))
            .onSuccess(
                v -> {
                  inserted.forEach(t -> announce(t.backend(), t.id()));
                  recorded(d);
                });
      }
      case WRITE ->
          ctx.db()
              .inTransaction(conn -> ctx.jobs().updateStatus(conn, after, before.statusCode()))
              .compose(ok -> ok ? Future.<Void>succeededFuture() : ConcurrentChange.of(before))
              .onSuccess(v -> recorded(d));
    };
  }

  /** Metrics and the job's trace for a stored status change. */
  private void recorded(Decision d) {
    meters.statusChanged(d.outcome().previous(), d.outcome().job(), d.results());
  }

  /** Tells the task API's long polls of the backend (and the metrics) about a new task. */
  void announce(String backend, String taskId) {
    meters.taskCreated(backend, taskId);
    ControllerEvents.taskCreated(vertx.eventBus(), backend, taskId);
  }
}
