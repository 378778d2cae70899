package org.rap.agent.metrics;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.CpuStatsConfig;
import com.github.dockerjava.api.model.MemoryStatsConfig;
import com.github.dockerjava.api.model.Statistics;
import com.github.dockerjava.api.model.StatsConfig;
import com.github.dockerjava.core.InvocationBuilder;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Docker side of the metrics (docs/spec/observability.md section 1, steps 1 and 2) via docker-java.
 * Every method blocks (a stats call takes about a second: the daemon samples twice): worker threads
 * only.
 */
public final class StatsSampler {
  public static final String PREFIX = "os-job-";
  private final DockerClient docker;
  private final Duration timeout;

  public StatsSampler(DockerClient docker, Duration timeout) {
    this.docker = docker;
    this.timeout = timeout;
  }

  /** Running containers whose name starts with {@code os-job-}. */
  public List<Container> jobContainers() {
    List<Container> out = new ArrayList<>();
    for (Container c :
        docker
            .listContainersCmd()
            .withStatusFilter(List.of("running"))
            .withNameFilter(List.of(PREFIX))
            .exec()) {
      if (jobId(c) != null) {
        out.add(c);
      }
    }
    return out;
  }

  /** The job id of an {@code os-job-<id>} container, or null. */
  static String jobId(Container c) {
    if (c.getNames() == null) {
      return null;
    }
    for (String n : c.getNames()) {
      String name = n.startsWith("/") ? n.substring(1) : n;
      if (name.startsWith(PREFIX) && name.length() > PREFIX.length()) {
        return name.substring(PREFIX.length());
      }
    }
    return null;
  }

  /** One sample, or empty when the container stopped or stats timed out. */
  public Optional<ContainerSample> sample(Container c) throws InterruptedException {
    InvocationBuilder.AsyncResultCallback<Statistics> cb =
        docker
            .statsCmd(c.getId())
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
    long created = c.getCreated() == null ? 0 : c.getCreated();
    return Optional.of(
        new ContainerSample(
            jobId(c), c.getId(), created, cpuPercent(s), memoryUsed(s.getMemoryStats())));
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
