package org.rap.controller.manage;

import io.vertx.core.Future;
import java.io.PrintWriter;
import java.util.List;
import org.rap.common.model.Flag;
import org.rap.common.model.Job;
import org.rap.common.model.State;
import org.rap.common.model.StatusCode;
import org.rap.common.model.StatusMessages;
import org.rap.common.model.TaskType;
import org.rap.common.model.Timestamps;
import org.rap.controller.ControllerContext;
import org.rap.controller.scheduler.Flags;
import org.rap.controller.scheduler.JobCancellation;
import org.rap.controller.scheduler.StatusBook;

/**
 * {@code prepare-for-reboot} (docs/spec/scheduling.md section 4, docs/spec/operations.md section
 * 5.3): pause the backend, then reset every running job to {@code waiting_on_reboot} and cancel its
 * task (one transaction per job); or, with {@code --status}, report whether it is safe to reboot.
 */
public final class RebootPreparation {
  /** Attempts per job when the scheduler changes the job's code at the same moment. */
  private static final int ATTEMPTS = 5;

  private final ControllerContext ctx;
  private final JobCancellation cancellation;

  public RebootPreparation(ControllerContext ctx) {
    this.ctx = ctx;
    this.cancellation = new JobCancellation(ctx.tasks());
  }

  public static String warning(String backend) {
    return "== DANGER ZONE ==\n"
        + "\n"
        + "This will kill all running jobs on backend '"
        + backend
        + "' and reset them to a PENDING state, ready to be\n"
        + "restarted following a reboot.\n"
        + "\n"
        + "It should only be run when the service has been paused on the backend (this command\n"
        + "pauses it first).\n";
  }

  public Future<Void> prepare(String backend, PrintWriter out) {
    out.println("pausing backend " + backend + "...");
    return new BackendFlags(ctx.db(), ctx.flags())
        .pause(backend, true)
        .compose(
            flags -> {
              out.println(flags.get(0).printable());
              return ctx.jobs().findActive(ctx.db().pool(), backend, State.RUNNING);
            })
        .compose(
            running -> {
              Future<Void> chain = Future.succeededFuture();
              for (Job job : running) {
                chain = chain.compose(v -> reset(job, out, ATTEMPTS));
              }
              return chain;
            });
  }

  private Future<Void> reset(Job job, PrintWriter out, int attemptsLeft) {
    out.println("resetting job " + job.slug() + " to PENDING");
    StatusBook.Outcome o =
        StatusBook.setCode(
            job,
            StatusCode.WAITING_ON_REBOOT,
            StatusMessages.WAITING_ON_REBOOT,
            null,
            Timestamps.nowNanos());
    StatusBook.log(o);
    return ctx.db()
        .inTransaction(
            conn ->
                ctx.jobs()
                    .updateStatus(conn, o.job(), job.statusCode())
                    .compose(
                        updated -> {
                          if (!updated) {
                            return Future.succeededFuture(false);
                          }
                          ctx.telemetry().jobTraces().statusChanged(job, o.job());
                          out.println("Killing job " + job.slug());
                          return cancellation
                              .cancelJob(conn, job, Timestamps.nowSeconds())
                              .map(t -> true);
                        }))
        .compose(
            done -> {
              if (done) {
                return Future.<Void>succeededFuture();
              }
              // the scheduler changed the job meanwhile: re-read and retry if still running
              return ctx.jobs()
                  .findById(ctx.db().pool(), job.id())
                  .compose(
                      fresh -> {
                        if (fresh.isEmpty()
                            || fresh.get().state() != State.RUNNING
                            || attemptsLeft <= 1) {
                          return Future.<Void>succeededFuture();
                        }
                        return reset(fresh.get(), out, attemptsLeft - 1);
                      });
            });
  }

  /** The read-only status report. */
  public Future<Void> status(String backend, PrintWriter out) {
    Future<Flag> paused = ctx.flags().getOrUnset(ctx.db().pool(), backend, Flags.PAUSED);
    Future<List<Job>> running = ctx.jobs().findActive(ctx.db().pool(), backend, State.RUNNING);
    Future<Integer> cancelling =
        ctx.tasks().findActive(ctx.db().pool(), backend, TaskType.CANCELJOB).map(List::size);
    return Future.all(paused, running, cancelling)
        .map(
            all -> {
              boolean isPaused =
                  paused.result().value() != null
                      && paused.result().value().equalsIgnoreCase("true");
              out.println();
              out.println("== PREPARING FOR REBOOT ==");
              out.println(
                  "1) backend '" + backend + "' is " + (isPaused ? "paused" : "not paused"));
              out.println("2) " + running.result().size() + " job(s) are running");
              if (cancelling.result() > 0) {
                out.println("3) " + cancelling.result() + " job(s) are being cancelled");
              }
              if (!isPaused) {
                out.println(
                    "Backend '"
                        + backend
                        + "' is not paused. Run prepare_for_reboot, then check the status again");
              } else if (running.result().isEmpty() && cancelling.result() == 0) {
                out.println();
                out.println("== READY TO REBOOT ==");
                out.println("Safe to reboot now");
              }
              return null;
            });
  }
}
