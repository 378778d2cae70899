package org.rap.agent.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.rap.common.telemetry.GaugeRows;

/**
 * Prometheus gauges from each metrics tick: running job containers ({@code
 * rap_agent_running_containers}) and, per job id (never file names), the latest CPU and memory
 * sample ({@code rap_job_cpu_usage_ratio}, {@code rap_job_memory_bytes}); jobs whose container is
 * gone drop out at the next tick.
 */
public final class ContainerGauges {
  private static final Logger LOG = Logger.getLogger(ContainerGauges.class.getName());
  private final AtomicInteger running = new AtomicInteger();
  private final GaugeRows cpu;
  private final GaugeRows memory;

  public ContainerGauges(MeterRegistry registry) {
    Gauge.builder("rap.agent.running.containers", running, AtomicInteger::get)
        .description("Job containers the executor reported running, as of the last metrics tick")
        .register(registry);
    cpu =
        new GaugeRows(
            MultiGauge.builder("rap.job.cpu.usage")
                .baseUnit("ratio")
                .description(
                    "Latest CPU sample of each running job container (1 = one CPU; may exceed 1)")
                .register(registry));
    memory =
        new GaugeRows(
            MultiGauge.builder("rap.job.memory")
                .baseUnit("bytes")
                .description("Latest memory sample of each running job container")
                .register(registry));
  }

  void update(int containers, List<ContainerSample> samples) {
    try {
      running.set(containers);
      Map<Tags, Double> cpuRows = new HashMap<>();
      Map<Tags, Long> memRows = new HashMap<>();
      for (ContainerSample s : samples) {
        cpuRows.put(Tags.of("job_id", s.jobId()), s.cpuPercentage() / 100.0);
        memRows.put(Tags.of("job_id", s.jobId()), s.memoryBytes());
      }
      cpu.set(cpuRows);
      memory.set(memRows);
    } catch (RuntimeException e) {
      LOG.log(Level.FINE, "metrics: " + e, e);
    }
  }
}
