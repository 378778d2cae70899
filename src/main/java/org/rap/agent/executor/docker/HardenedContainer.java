package org.rap.agent.executor.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.LogConfig;
import com.github.dockerjava.api.model.Volume;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.rap.agent.executor.DatabaseAccess;
import org.rap.agent.executor.ExecutorSettings;
import org.rap.agent.executor.JobMetadataStore;
import org.rap.agent.executor.MemoryLimit;
import org.rap.agent.executor.RunLabels;
import org.rap.common.model.JobDefinition;

/**
 * The {@code docker run} of docs/spec/agent-executor.md section 5.2 as a docker-java create
 * command, for jobs and for database tasks (section 11) alike: init, local log driver, pids limit,
 * the job user, all capabilities dropped, no-new-privileges, no network (or the database network
 * with a DNS server that answers nothing and the database host as an extra host entry), labels, and
 * the environment in the request body (never on a command line). A job's container also gets its
 * CPU and memory limits (swap equal to memory) and its volume at {@code /workspace}.
 */
public final class HardenedContainer {
  public static final String LABEL = "jobrunner-local";

  /** The label of database task containers. */
  public static final String DB_TASK_LABEL = "jobrunner-dbtask";

  private HardenedContainer() {}

  /**
   * A job's container {@code os-job-<id>}.
   *
   * @param env the job's environment including any injected secrets
   * @param volumeSource the host path bind-mounted at /workspace
   * @param hostCpus CPUs of the Docker host (cpu_count is capped to it)
   */
  public static CreateContainerCmd forJob(
      DockerClient client,
      JobDefinition job,
      String imageRef,
      Map<String, String> env,
      Path volumeSource,
      ExecutorSettings settings,
      int hostCpus) {
    String network =
        DatabaseAccess.isRealDbJob(job, settings) ? settings.databaseAccessNetwork() : "none";
    HostConfig host =
        hardened(settings, network, env)
            .withBinds(new Bind(volumeSource.toString(), new Volume("/workspace"), AccessMode.rw));
    if (job.cpuCount() > 0) {
      double cpus = Math.min(job.cpuCount(), hostCpus > 0 ? hostCpus : job.cpuCount());
      host.withNanoCPUs(Math.round(cpus * 1e9));
    }
    Long memory = MemoryLimit.parse(job.memoryLimit());
    if (memory != null) {
      host.withMemory(memory).withMemorySwap(memory);
    }
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put("job-runner", "");
    labels.put(LABEL, "");
    labels.put("workspace", job.workspace());
    labels.put("action", job.action());
    if (!settings.agentId().isEmpty()) {
      labels.put(RunLabels.AGENT, settings.agentId());
    }
    if (job.taskId() != null && !job.taskId().isEmpty()) {
      labels.put(RunLabels.TASK, job.taskId());
    }
    return create(
            client, JobMetadataStore.containerName(job.id()), imageRef, job.args(), env, settings)
        .withHostConfig(host)
        .withLabels(labels)
        .withWorkingDir("/workspace");
  }

  /**
   * A database task's container {@code name}: the same hardening on {@code network} ({@code none},
   * or the database network), without a volume.
   */
  public static CreateContainerCmd forDbTask(
      DockerClient client,
      String name,
      String imageRef,
      List<String> args,
      Map<String, String> env,
      String network,
      ExecutorSettings settings) {
    return create(client, name, imageRef, args, env, settings)
        .withHostConfig(hardened(settings, network, env))
        .withLabels(Map.of("job-runner", "", DB_TASK_LABEL, ""));
  }

  private static HostConfig hardened(
      ExecutorSettings settings, String network, Map<String, String> env) {
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
            .withNetworkMode(network);
    if (!"none".equals(network)) {
      host.withDns(DatabaseAccess.DB_DNS);
      String extraHost = DatabaseAccess.hostEntry(env.get("DATABASE_URL"));
      if (extraHost != null) {
        host.withExtraHosts(extraHost);
      }
    }
    return host;
  }

  private static CreateContainerCmd create(
      DockerClient client,
      String name,
      String imageRef,
      List<String> args,
      Map<String, String> env,
      ExecutorSettings settings) {
    List<String> envList = new ArrayList<>();
    envList.add("HOME=/tmp");
    env.forEach((k, v) -> envList.add(k + "=" + v));
    return client
        .createContainerCmd(imageRef)
        .withName(name)
        .withUser(settings.dockerUser())
        .withEnv(envList)
        .withCmd(args);
  }
}
