package org.rap.controller.scheduler;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.rap.controller.ControllerContext;
import org.rap.controller.ControllerEvents;
import org.rap.controller.db.DatabaseOutages;
import org.rap.controller.telemetry.LoopJobSpans;

/**
 * Runs scheduler passes while this process holds the {@link SchedulerLock}. Event-driven: a job
 * created or cancelled, a task update or a flag change wakes it at once; {@code JOB_LOOP_INTERVAL}
 * is only the safety-net timer (operator commands run in other processes). Passes never overlap:
 * wakes during a pass schedule exactly one more pass. A standby controller retries the lock every
 * second and takes over when the holder dies. While the database is not answering, passes and lock
 * attempts fail and are retried at the same pace (logged once every 30 s), so work resumes within
 * about a second of the database coming back.
 */
public final class SchedulerVerticle extends VerticleBase {
  private static final Logger LOG = Logger.getLogger(SchedulerVerticle.class.getName());
  private static final long LOCK_RETRY_MS = 1000;

  private final ControllerContext ctx;
  private final Function<Vertx, ? extends PassRunner> schedulerFactory;
  private final Function<Vertx, SchedulerLock> lockFactory;
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private final DatabaseOutages outages =
      new DatabaseOutages("The scheduler", "passes and the loop lock are retried every second");
  private PassRunner scheduler;
  private SchedulerLock lock;
  private long safetyTimer = -1;
  private long lockTimer = -1;
  private boolean passRunning;
  private boolean passRequested;
  private boolean stopping;
  private boolean standbyLogged;
  private long passes;
  private Promise<Void> idle;

  public SchedulerVerticle(ControllerContext ctx) {
    this(
        ctx,
        vertx -> Scheduler.create(vertx, ctx),
        vertx -> SchedulerLock.forTarget(vertx, ctx.db().target()));
  }

  public SchedulerVerticle(
      ControllerContext ctx,
      Function<Vertx, ? extends PassRunner> schedulerFactory,
      Function<Vertx, SchedulerLock> lockFactory) {
    this.ctx = ctx;
    this.schedulerFactory = schedulerFactory;
    this.lockFactory = lockFactory;
  }

  @Override
  public Future<?> start() {
    scheduler = schedulerFactory.apply(vertx);
    lock = lockFactory.apply(vertx);
    for (String address : ControllerEvents.WAKE_SCHEDULER) {
      consumers.add(vertx.eventBus().consumer(address, msg -> wake()));
    }
    long interval = Math.max(10, ctx.config().common().jobLoopInterval().toMillis());
    safetyTimer = vertx.setPeriodic(interval, id -> wake());
    lockTimer = vertx.setPeriodic(LOCK_RETRY_MS, id -> ensureLock());
    ensureLock();
    // with PostgreSQL, share events with other controller processes on the same database
    return ctx.db() == null || ctx.db().isSqlite()
        ? Future.succeededFuture()
        : vertx.deployVerticle(new PgEventBridge(ctx.db()));
  }

  /** Whether this instance holds the loop lock. */
  public boolean isActive() {
    return lock != null && lock.isHeld();
  }

  /** Passes completed by this instance. */
  public long passes() {
    return passes;
  }

  public SchedulerLock lock() {
    return lock;
  }

  private void ensureLock() {
    if (stopping || lock.isHeld()) {
      return;
    }
    lock.tryAcquire()
        .onFailure(outages::report)
        .onSuccess(
            got -> {
              if (got) {
                standbyLogged = false;
                // another controller may have run passes while this one did not hold the lock
                scheduler.resync();
                LOG.info(
                    "This controller (pid "
                        + ProcessHandle.current().pid()
                        + ", "
                        + ManagementFactory.getRuntimeMXBean().getName()
                        + ") holds the scheduler loop ("
                        + lock.describe()
                        + ")");
                wake();
              } else if (!standbyLogged) {
                standbyLogged = true;
                LOG.info(
                    "Another controller holds the scheduler loop ("
                        + lock.describe()
                        + "); this one serves HTTP and retries every second to take over");
              }
            });
  }

  /** Requests a pass: runs one now, or exactly one more after the current pass. */
  public void wake() {
    if (stopping || !lock.isHeld()) {
      return;
    }
    if (passRunning) {
      passRequested = true;
      return;
    }
    passRunning = true;
    passRequested = false;
    long started = System.nanoTime();
    Span loop =
        ctx.telemetry().tracing()
            ? ctx.telemetry()
                .tracer("loop")
                .spanBuilder("LOOP")
                .setNoParent()
                .setAttribute("loop", true)
                .startSpan()
            : Span.getInvalid();
    Future<Scheduler.PassStats> pass;
    context.put(LoopJobSpans.PARENT_KEY, loop); // the parent of the pass's LOOP_JOB spans
    try {
      pass = scheduler.runPass();
    } catch (RuntimeException e) {
      pass = Future.failedFuture(e);
    }
    pass.onComplete(
        ar -> {
          passRunning = false;
          context.remove(LoopJobSpans.PARENT_KEY);
          passes++;
          recordPass(started, loop, ar);
          if (ar.failed() && DatabaseOutages.isOutage(ar.cause())) {
            outages.report(ar.cause());
          } else if (ar.failed()) {
            LOG.log(Level.WARNING, "Scheduler pass failed; retrying on the next wake", ar.cause());
          } else if (LOG.isLoggable(Level.FINE)) {
            LOG.fine(
                "Scheduler pass: "
                    + ar.result()
                    + " in "
                    + (System.nanoTime() - started) / 1_000_000
                    + " ms");
          }
          if (stopping) {
            if (idle != null) {
              idle.tryComplete();
            }
          } else if (passRequested) {
            vertx.runOnContext(v -> wake());
          }
        });
  }

  /**
   * {@code rap_scheduler_loop_seconds} (outcome success/error) and the pass's {@code LOOP} span.
   */
  private void recordPass(long started, Span loop, AsyncResult<?> ar) {
    try {
      Timer.builder("rap.scheduler.loop")
          .description("Duration of scheduler passes")
          .tag("outcome", ar.succeeded() ? "success" : "error")
          .register(ctx.telemetry().meters())
          .record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
      if (ar.succeeded() && ar.result() instanceof Scheduler.PassStats st) {
        loop.setAttribute("active_jobs", st.activeJobs());
        loop.setAttribute("changed", st.changed());
        loop.setAttribute("tasks_created", st.tasksCreated());
        loop.setAttribute("errors", st.errors());
        if (st.errors() > 0) {
          Counter.builder("rap.scheduler.job.errors")
              .description("Jobs whose handling failed in a scheduler pass (retried with backoff)")
              .register(ctx.telemetry().meters())
              .increment(st.errors());
        }
      } else if (ar.failed()) {
        loop.setStatus(StatusCode.ERROR, String.valueOf(ar.cause()));
      }
      loop.end();
    } catch (RuntimeException e) {
      LOG.log(Level.FINE, "telemetry: " + e, e);
    }
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    vertx.cancelTimer(safetyTimer);
    vertx.cancelTimer(lockTimer);
    List<Future<Void>> unregs = new ArrayList<>();
    consumers.forEach(c -> unregs.add(c.unregister()));
    Future<Void> drained;
    if (passRunning) {
      idle = Promise.promise();
      drained = idle.future();
    } else {
      drained = Future.succeededFuture();
    }
    return Future.join(unregs).transform(v -> drained).compose(v -> lock.release());
  }
}
