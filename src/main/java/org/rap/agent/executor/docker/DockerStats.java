package org.rap.agent.executor.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.CpuStatsConfig;
import com.github.dockerjava.api.model.MemoryStatsConfig;
import com.github.dockerjava.api.model.Statistics;
import com.github.dockerjava.api.model.StatsConfig;
import com.github.dockerjava.core.InvocationBuilder;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.rap.agent.metrics.ContainerSample;
import org.rap.agent.metrics.RunningJob;

/**
 * A running job container's resource sample from {@code docker stats} (docs/spec/observability.md
 * section 1, step 2). Blocking (a stats call takes about a second: the daemon samples twice):
 * worker threads only.
 */
final class DockerStats {
  private DockerStats() {}

  /** One sample, or empty when the container stopped or stats timed out. */
  static Optional<ContainerSample> sample(DockerClient docker, RunningJob job, Duration timeout)
      throws InterruptedException {
    InvocationBuilder.AsyncResultCallback<Statistics> cb =
        docker
            .statsCmd(job.runId())
            .withNoStream(true)
            .exec(new InvocationBuilder.AsyncResultCallback<>());
    boolean done = cb.awaitCompletion(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (!done) {
      try {
        cb.close();
      } catch (IOException e) {
        // ignore
      }
      return Optional.empty();
    }
    Statistics s = cb.awaitResult();
    if (s == null || s.getMemoryStats() == null || s.getMemoryStats().getUsage() == null) {
      return Optional.empty(); // exited meanwhile
    }
    return Optional.of(
        new ContainerSample(
            job.jobId(),
            job.runId(),
            job.createdAtEpochSeconds(),
            cpuPercent(s),
            memoryUsed(s.getMemoryStats())));
  }

  /** docker stats' CPUPerc: Δcontainer / Δsystem × online CPUs × 100. */
  static double cpuPercent(Statistics s) {
    CpuStatsConfig cpu = s.getCpuStats();
    CpuStatsConfig pre = s.getPreCpuStats();
    if (cpu == null || pre == null || cpu.getCpuUsage() == null || pre.getCpuUsage() == null) {
      return 0.0;
    }
    long cpuDelta = nz(cpu.getCpuUsage().getTotalUsage()) - nz(pre.getCpuUsage().getTotalUsage());
    long sysDelta = nz(cpu.getSystemCpuUsage()) - nz(pre.getSystemCpuUsage());
    long online = nz(cpu.getOnlineCpus());
    if (online == 0 && cpu.getCpuUsage().getPercpuUsage() != null) {
      online = cpu.getCpuUsage().getPercpuUsage().size();
    }
    if (sysDelta <= 0 || cpuDelta <= 0) {
      return 0.0;
    }
    return (double) cpuDelta / sysDelta * Math.max(online, 1) * 100.0;
  }

  /** docker stats' memory usage: usage minus inactive page cache (cgroup v1 and v2). */
  static long memoryUsed(MemoryStatsConfig m) {
    long usage = nz(m.getUsage());
    StatsConfig st = m.getStats();
    if (st != null) {
      Long inactive =
          st.getTotalInactiveFile() != null ? st.getTotalInactiveFile() : st.getInactiveFile();
      if (inactive != null && inactive < usage) {
        return usage - inactive;
      }
    }
    return usage;
  }

  private static long nz(Long v) {
    return v == null ? 0 : v;
  }
}
