package org.rap.agent.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Prometheus gauges from each metrics tick: running job containers ({@code
 * rap_agent_running_containers}) and, per job id (never file names), the latest CPU and memory
 * sample ({@code rap_job_cpu_percent}, {@code rap_job_memory_bytes}); jobs whose container is gone
 * drop out at the next tick.
 */
public final class ContainerGauges {
  private static final Logger LOG = Logger.getLogger(ContainerGauges.class.getName());
  private final AtomicInteger running = new AtomicInteger();
  private final MultiGauge cpu;
  private final MultiGauge memory;

  public ContainerGauges(MeterRegistry registry) {
    Gauge.builder("rap.agent.running.containers", running, AtomicInteger::get)
        .description("Job containers the executor reported running, as of the last metrics tick")
        .register(registry);
    cpu =
        MultiGauge.builder("rap.job.cpu")
            .baseUnit("percent")
            .description("Latest CPU sample of each running job container (percent of one CPU)")
            .register(registry);
    memory =
        MultiGauge.builder("rap.job.memory")
            .baseUnit("bytes")
            .description("Latest memory sample of each running job container")
            .register(registry);
  }

  void update(int containers, List<ContainerSample> samples) {
    try {
      running.set(containers);
      List<MultiGauge.Row<?>> cpuRows = new ArrayList<>();
      List<MultiGauge.Row<?>> memRows = new ArrayList<>();
      for (ContainerSample s : samples) {
        cpuRows.add(MultiGauge.Row.of(Tags.of("job_id", s.jobId()), s.cpuPercentage()));
        memRows.add(MultiGauge.Row.of(Tags.of("job_id", s.jobId()), s.memoryBytes()));
      }
      cpu.register(cpuRows, true);
      memory.register(memRows, true);
    } catch (RuntimeException e) {
      LOG.log(Level.FINE, "metrics: " + e, e);
    }
  }
}
