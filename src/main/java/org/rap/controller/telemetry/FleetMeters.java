package org.rap.controller.telemetry;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.rap.common.model.TaskType;
import org.rap.common.telemetry.GaugeRows;
import org.rap.controller.db.AgentRepository.AgentRow;

/**
 * The agents of each backend on {@code /metrics} (docs/spec/observability.md): per agent ({@code
 * backend}, {@code agent}) its capacity, running jobs, leases and when it was last seen, and the
 * leases that ran out ({@code rap_task_leases_expired_total}). Metric failures are logged, never
 * thrown.
 */
public final class FleetMeters {
  private static final Logger LOG = Logger.getLogger(FleetMeters.class.getName());
  private final MeterRegistry registry;
  private final GaugeRows capacity;
  private final GaugeRows running;
  private final GaugeRows leases;
  private final GaugeRows lastSeen;

  public FleetMeters(MeterRegistry registry) {
    this.registry = registry;
    this.capacity = rows("rap.fleet.agent.capacity", null, "Jobs each agent runs at once");
    this.running = rows("rap.fleet.agent.running.tasks", null, "RUNJOB tasks each agent holds");
    this.leases = rows("rap.fleet.agent.leases", null, "Tasks of any type each agent holds");
    this.lastSeen =
        rows(
            "rap.fleet.agent.last.seen.timestamp",
            "seconds",
            "When each agent last polled the task API (Unix time)");
  }

  private GaugeRows rows(String name, String unit, String description) {
    MultiGauge.Builder b = MultiGauge.builder(name).description(description);
    if (unit != null) {
      b.baseUnit(unit);
    }
    return new GaugeRows(b.register(registry));
  }

  /** The agents as the last expiry round read them. */
  public void agents(List<AgentRow> agents) {
    try {
      Map<Tags, Number> cap = new HashMap<>();
      Map<Tags, Number> run = new HashMap<>();
      Map<Tags, Number> held = new HashMap<>();
      Map<Tags, Number> seen = new HashMap<>();
      for (AgentRow a : agents) {
        Tags t = Tags.of("backend", a.backend(), "agent", a.id());
        cap.put(t, a.capacity());
        run.put(t, a.runningTasks());
        held.put(t, a.leases());
        seen.put(t, a.lastSeenMs() / 1000.0);
      }
      capacity.set(cap);
      running.set(run);
      leases.set(held);
      lastSeen.set(seen);
    } catch (RuntimeException e) {
      LOG.log(Level.FINE, "metrics: " + e, e);
    }
  }

  /** A lease of an agent of {@code backend} on a task of {@code type} ran out. */
  public void leaseExpired(String backend, TaskType type) {
    try {
      Counter.builder("rap.task.leases.expired")
          .description("Leases that ran out (their agents stopped polling and reporting)")
          .tags("backend", backend, "task_type", type.value())
          .register(registry)
          .increment();
    } catch (RuntimeException e) {
      LOG.log(Level.FINE, "metrics: " + e, e);
    }
  }
}
