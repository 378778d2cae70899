package org.rap.controller.fleet;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.time.Duration;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.rap.common.model.TaskType;
import org.rap.controller.ControllerEvents;
import org.rap.controller.db.TaskLeaseRepository.Expired;
import org.rap.controller.telemetry.FleetMeters;

/**
 * Ends leases that ran out (docs/spec/task-api.md section 8.4), a few times per lease: a lost
 * agent's RUNJOB task ends with an error (the scheduler, woken, starts the job's next attempt) and
 * its other tasks are freed (waiting polls are woken to claim them). Every controller process may
 * run it: each expiry is a conditional update. Each round also refreshes the agents' gauges.
 */
public final class LeaseExpiryVerticle extends VerticleBase {
  private static final Logger LOG = Logger.getLogger(LeaseExpiryVerticle.class.getName());

  private final TaskLeases leases;
  private final FleetMeters meters;
  private long timer = -1;
  private boolean running;

  /** Reporting the agents and the expired leases to {@code meters}. */
  public LeaseExpiryVerticle(TaskLeases leases, FleetMeters meters) {
    this.leases = leases;
    this.meters = meters;
  }

  /** A quarter of the lease, between 250 ms and 15 s. */
  static Duration interval(Duration lease) {
    long ms = lease.toMillis() / 4;
    return Duration.ofMillis(Math.max(250, Math.min(15_000, ms)));
  }

  @Override
  public Future<?> start() {
    timer = vertx.setPeriodic(interval(leases.lease()).toMillis(), id -> round());
    return Future.succeededFuture();
  }

  private void round() {
    if (running) {
      return;
    }
    running = true;
    leases
        .expire()
        .onComplete(
            ar -> {
              running = false;
              if (ar.failed()) {
                LOG.log(Level.WARNING, "Expiring task leases failed", ar.cause());
              } else {
                announce(ar.result());
              }
              leases.agents().onSuccess(meters::agents);
            });
  }

  private void announce(List<Expired> expired) {
    for (Expired e : expired) {
      meters.leaseExpired(e.backend(), e.type());
      if (e.type() == TaskType.RUNJOB) {
        LOG.warning(
            "Agent '"
                + e.agent()
                + "' of backend "
                + e.backend()
                + " lost its lease on task "
                + e.id()
                + ": the job gets a new attempt");
        ControllerEvents.taskUpdated(vertx.eventBus(), e.backend(), e.id());
      } else {
        LOG.warning(
            "Agent '"
                + e.agent()
                + "' of backend "
                + e.backend()
                + " lost its lease on "
                + e.type().value()
                + " task "
                + e.id()
                + ": another agent may take it");
        ControllerEvents.taskCreated(vertx.eventBus(), e.backend(), e.id());
      }
    }
  }

  @Override
  public Future<?> stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    return Future.succeededFuture();
  }
}
