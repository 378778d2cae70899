package org.rap.controller.api.tasks;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.SqlConnection;
import java.util.Objects;
import org.rap.common.model.Timestamps;
import org.rap.common.tasks.TaskUpdate;
import org.rap.controller.ControllerContext;
import org.rap.controller.ControllerEvents;
import org.rap.controller.db.TaskLeaseRepository.ReportTarget;
import org.rap.controller.fleet.TaskLeases;
import org.rap.controller.scheduler.Flags;

/**
 * Stores an agent's report on a task (docs/spec/task-api.md section 4), in one transaction: the
 * task's agent fields (completing deactivates it), the job's copy of a RUNJOB task's metrics (what
 * {@code rap/status/} reports), and for a DBSTATUS task the backend's {@code mode} flag. Jobs are
 * not touched otherwise: the scheduler, woken by {@link ControllerEvents#TASK_UPDATED}, derives
 * their states from the reports.
 */
public final class TaskReports {
  /** The task exists, but in another backend than the reporting agent's. */
  public static final class OtherBackend extends Exception {
    OtherBackend(String message) {
      super(message);
    }
  }

  private final Vertx vertx;
  private final ControllerContext ctx;
  private final TaskLeases leases;

  public TaskReports(Vertx vertx, ControllerContext ctx) {
    this(vertx, ctx, new TaskLeases(ctx.db(), ctx.tasks(), ctx.config().taskLease()));
  }

  public TaskReports(Vertx vertx, ControllerContext ctx, TaskLeases leases) {
    this.vertx = vertx;
    this.ctx = ctx;
    this.leases = leases;
  }

  /**
   * Stores the report and then announces it. Fails with {@link OtherBackend} for another backend's
   * task, and with an IllegalArgumentException for an unknown task id.
   */
  public Future<Void> store(String backend, TaskUpdate u) {
    return store(backend, u, Timestamps.nowSeconds());
  }

  /** As {@link #store(String, TaskUpdate)}, completing the task at {@code nowSeconds}. */
  public Future<Void> store(String backend, TaskUpdate u, long nowSeconds) {
    return store(backend, null, null, u, nowSeconds);
  }

  /**
   * Stores the report of {@code agentId} (null: the agent without an id) under the lease {@code
   * token}; fails with {@link TaskLeases.LeaseLost} when the task is not held so (section 8.3).
   */
  public Future<Void> store(String backend, String agentId, Long token, TaskUpdate u) {
    return store(backend, agentId, token, u, Timestamps.nowSeconds());
  }

  private Future<Void> store(
      String backend, String agentId, Long token, TaskUpdate u, long nowSeconds) {
    boolean[] modeChanged = new boolean[1];
    return ctx.db()
        .inTransaction(
            conn ->
                leases
                    .target(conn, u.taskId())
                    .compose(
                        found -> {
                          if (found.isEmpty()) {
                            return Future.failedFuture(
                                new IllegalArgumentException("Unknown task " + u.taskId()));
                          }
                          ReportTarget task = found.get();
                          if (!task.backend().equals(backend)) {
                            return Future.failedFuture(
                                new OtherBackend(
                                    "Task '"
                                        + u.taskId()
                                        + "' not found in backend '"
                                        + backend
                                        + "'"));
                          }
                          return leases
                              .fence(conn, u.taskId(), task.holder(), agentId, token)
                              .compose(v -> store(conn, backend, task, u, nowSeconds, modeChanged));
                        }))
        .onSuccess(
            v -> {
              ControllerEvents.taskUpdated(vertx.eventBus(), backend, u.taskId());
              if (modeChanged[0]) {
                ControllerEvents.flagChanged(vertx.eventBus(), backend, Flags.MODE);
              }
            });
  }

  private Future<Void> store(
      SqlConnection conn,
      String backend,
      ReportTarget task,
      TaskUpdate u,
      long nowSeconds,
      boolean[] modeChanged) {
    return ctx.tasks()
        .storeReport(conn, backend, u, nowSeconds)
        .compose(
            stored -> {
              if (!stored) {
                return Future.succeededFuture();
              }
              return switch (task.type()) {
                case RUNJOB -> ctx.jobs().copyMetricsOfTask(conn, u.taskId(), u.results());
                // a repeated report on a completed DBSTATUS changes nothing
                case DBSTATUS ->
                    task.agentComplete()
                        ? Future.succeededFuture()
                        : applyDbStatus(conn, backend, u.results(), modeChanged);
                case CANCELJOB, DBDATACHECK -> Future.succeededFuture();
              };
            });
  }

  /** DBSTATUS results set flag {@code mode} unless manual maintenance pins it. */
  private Future<Void> applyDbStatus(
      SqlConnection conn, String backend, JsonObject envelope, boolean[] changed) {
    return ctx.flags()
        .get(conn, backend, Flags.MANUAL_DB_MAINTENANCE)
        .compose(
            manual -> {
              if (manual.isPresent()
                  && manual.get().value() != null
                  && !manual.get().value().isEmpty()) {
                return Future.succeededFuture();
              }
              Object inner = envelope == null ? null : envelope.getValue("results");
              if (!(inner instanceof JsonObject results) || results.isEmpty()) {
                return Future.succeededFuture();
              }
              Object status = results.getValue("status");
              String mode = status == null ? null : String.valueOf(status);
              return ctx.flags()
                  .get(conn, backend, Flags.MODE)
                  .compose(
                      current -> {
                        String before = current.map(f -> f.value()).orElse(null);
                        changed[0] = !Objects.equals(before, mode);
                        return ctx.flags().set(conn, backend, Flags.MODE, mode).mapEmpty();
                      });
            });
  }
}
