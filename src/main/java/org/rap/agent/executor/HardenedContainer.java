package org.rap.agent.executor;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.LogConfig;
import com.github.dockerjava.api.model.Volume;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.rap.common.model.JobDefinition;

/**
 * The {@code docker run} of docs/spec/agent-executor.md section 5.2 as a docker-java create
 * command: init, local log driver, CPU and memory limits (swap equal to memory), pids limit, the
 * job user, all capabilities dropped, no-new-privileges, no network (or the database network for DB
 * jobs on a real backend), the job volume at {@code /workspace}, labels, and the environment in the
 * request body (never on a command line).
 */
public final class HardenedContainer {
  public static final String LABEL = "jobrunner-local";
  public static final String DB_DNS = "192.0.2.0";

  private HardenedContainer() {}

  /**
   * @param env the job's environment including any injected secrets
   * @param volumeSource the host path bind-mounted at /workspace
   * @param hostCpus CPUs of the Docker host (cpu_count is capped to it)
   */
  public static CreateContainerCmd create(
      DockerClient client,
      JobDefinition job,
      String imageRef,
      Map<String, String> env,
      Path volumeSource,
      ExecutorSettings settings,
      int hostCpus) {
    HostConfig host =
        HostConfig.newHostConfig()
            .withInit(true)
            .withLogConfig(
                new LogConfig(
                    LogConfig.LoggingType.LOCAL,
                    Map.of("max-file", "200", "max-size", "20m", "compress", "true")))
            .withCapDrop(Capability.ALL)
            .withSecurityOpts(List.of("no-new-privileges"))
            .withPidsLimit(settings.pidsLimit())
            .withBinds(new Bind(volumeSource.toString(), new Volume("/workspace"), AccessMode.rw));
    if (job.cpuCount() > 0) {
      double cpus = Math.min(job.cpuCount(), hostCpus > 0 ? hostCpus : job.cpuCount());
      host.withNanoCPUs(Math.round(cpus * 1e9));
    }
    Long memory = MemoryLimit.parse(job.memoryLimit());
    if (memory != null) {
      host.withMemory(memory).withMemorySwap(memory);
    }
    if (isRealDbJob(job, settings)) {
      host.withNetworkMode(settings.databaseAccessNetwork()).withDns(DB_DNS);
      String extraHost = addHost(env.get("DATABASE_URL"));
      if (extraHost != null) {
        host.withExtraHosts(extraHost);
      }
    } else {
      host.withNetworkMode("none");
    }
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put("job-runner", "");
    labels.put(LABEL, "");
    labels.put("workspace", job.workspace());
    labels.put("action", job.action());
    List<String> envList = new ArrayList<>();
    envList.add("HOME=/tmp");
    env.forEach((k, v) -> envList.add(k + "=" + v));
    return client
        .createContainerCmd(imageRef)
        .withName(JobMetadataStore.containerName(job.id()))
        .withHostConfig(host)
        .withUser(settings.dockerUser())
        .withWorkingDir("/workspace")
        .withLabels(labels)
        .withEnv(envList)
        .withCmd(job.args());
  }

  public static boolean isRealDbJob(JobDefinition job, ExecutorSettings settings) {
    return job.allowDatabaseAccess() && !settings.usingDummyDataBackend();
  }

  /** {@code <host>:<ip>} when the database URL's host is a name, else null. */
  static String addHost(String databaseUrl) {
    if (databaseUrl == null) {
      return null;
    }
    try {
      String host = URI.create(databaseUrl).getHost();
      if (host == null || host.matches("[0-9.]+") || host.contains(":")) {
        return null;
      }
      return host + ":" + InetAddress.getByName(host).getHostAddress();
    } catch (Exception e) {
      return null;
    }
  }
}
