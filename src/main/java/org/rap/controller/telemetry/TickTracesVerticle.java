package org.rap.controller.telemetry;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.rap.common.model.Job;
import org.rap.common.model.Timestamps;
import org.rap.common.telemetry.JobTraces;
import org.rap.controller.ControllerContext;

/**
 * The reference's {@code TICK} traces (docs/spec/observability.md section 4): every {@code
 * TICK_POLL_INTERVAL} a root span {@code TICK} whose children are one span per active job, named
 * after its current status code, spanning the previous tick to now (tracer scope {@code ticks}).
 * The first run only records the time. Runs only with tracing on and only on the controller that
 * holds the scheduler loop (no duplicate ticks from a standby). Failures are logged, never thrown.
 */
public final class TickTracesVerticle extends VerticleBase {
  private static final Logger LOG = Logger.getLogger(TickTracesVerticle.class.getName());
  private static final Duration MIN_SLEEP = Duration.ofSeconds(2);

  private final ControllerContext ctx;
  private final Duration interval;
  private final BooleanSupplier active;
  private Tracer tracer;
  private volatile long lastTickNs = -1;
  private long timer = -1;
  private boolean stopped;

  public TickTracesVerticle(ControllerContext ctx, Duration interval, BooleanSupplier active) {
    this.ctx = ctx;
    this.interval = interval;
    this.active = active;
  }

  @Override
  public Future<?> start() {
    if (!ctx.telemetry().tracing()) {
      return Future.succeededFuture();
    }
    tracer = ctx.telemetry().tracer("ticks");
    schedule(Duration.ZERO);
    return Future.succeededFuture();
  }

  private void schedule(Duration delay) {
    if (!stopped) {
      timer = vertx.setTimer(Math.max(1, delay.toMillis()), id -> run());
    }
  }

  private void run() {
    long started = System.nanoTime();
    tick()
        .onComplete(
            ar -> {
              if (ar.failed()) {
                LOG.log(Level.WARNING, "Exception in tick thread: " + ar.cause(), ar.cause());
              }
              long spent = Duration.ofNanos(System.nanoTime() - started).toMillis();
              long min = Math.min(MIN_SLEEP.toMillis(), interval.toMillis());
              schedule(Duration.ofMillis(Math.max(min, interval.toMillis() - spent)));
            });
  }

  /** One tick: emits the spans since the previous one (the first only records the time). */
  public Future<Integer> tick() {
    long now = Timestamps.nowNanos();
    if (lastTickNs < 0 || !active.getAsBoolean()) {
      lastTickNs = now;
      return Future.succeededFuture(0);
    }
    long from = lastTickNs;
    lastTickNs = now;
    return ctx.jobs()
        .findActive(ctx.db().pool())
        .map(
            jobs -> {
              emit(jobs, from, now);
              return jobs.size();
            });
  }

  private void emit(List<Job> jobs, long from, long to) {
    try {
      Span root =
          tracer
              .spanBuilder("TICK")
              .setNoParent()
              .setStartTimestamp(from, TimeUnit.NANOSECONDS)
              .setAttribute("active_jobs", jobs.size())
              .startSpan();
      Context parent = Context.root().with(root);
      for (Job j : jobs) {
        tracer
            .spanBuilder(j.statusCode().name())
            .setParent(parent)
            .setStartTimestamp(from, TimeUnit.NANOSECONDS)
            .setAllAttributes(JobTraces.attributes(j).build())
            .startSpan()
            .end(to, TimeUnit.NANOSECONDS);
      }
      root.end(to, TimeUnit.NANOSECONDS);
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "Could not record tick spans", e);
    }
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    return Future.succeededFuture();
  }
}
