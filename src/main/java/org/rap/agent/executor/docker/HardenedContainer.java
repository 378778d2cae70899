package org.rap.agent.executor.docker;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.rap.agent.executor.DatabaseAccess;
import org.rap.agent.executor.ExecutorSettings;
import org.rap.agent.executor.JobMetadataStore;
import org.rap.agent.executor.MemoryLimit;
import org.rap.agent.executor.RunLabels;
import org.rap.common.model.JobDefinition;

/**
 * The {@code docker run} of docs/spec/agent-executor.md section 5.2 as an Engine API container
 * create, for jobs and for database tasks (section 11) alike: init, local log driver, pids limit,
 * the job user, all capabilities dropped, no-new-privileges, no network (or the database network
 * with a DNS server that answers nothing and the database host as an extra host entry), labels, and
 * the environment in the request body (never on a command line). A job's container also gets its
 * CPU and memory limits (swap equal to memory) and its volume at {@code /workspace}.
 *
 * <p>The request is written as the Engine API's JSON (its field names, as {@code docker run} sends
 * them) and posted through docker-java's transport by {@link DockerApi#createContainer}:
 * docker-java's request model maps its classes to JSON by reflection the first time, tens of
 * milliseconds of a fresh process's CPU that every local run's first job would otherwise wait for.
 */
public final class HardenedContainer {
  public static final String LABEL = "jobrunner-local";

  /** The label of database task containers. */
  public static final String DB_TASK_LABEL = "jobrunner-dbtask";

  /** A container to create: its name and the create request's body. */
  public record Create(String name, JsonObject body) {
    /** Creates it; returns the container's id. */
    public String exec(DockerApi docker) {
      return docker.createContainer(name, body);
    }
  }

  private HardenedContainer() {}

  /**
   * A job's container {@code os-job-<id>}.
   *
   * @param env the job's environment including any injected secrets
   * @param volumeSource the host path bind-mounted at /workspace
   * @param hostCpus CPUs of the Docker host (cpu_count is capped to it; 0 or less: not capped)
   */
  public static Create forJob(
      JobDefinition job,
      String imageRef,
      Map<String, String> env,
      Path volumeSource,
      ExecutorSettings settings,
      int hostCpus) {
    String network =
        DatabaseAccess.isRealDbJob(job, settings) ? settings.databaseAccessNetwork() : "none";
    JsonObject host =
        hardened(settings, network, env)
            .put("Binds", new JsonArray().add(volumeSource + ":/workspace:rw"));
    if (job.cpuCount() > 0) {
      double cpus = Math.min(job.cpuCount(), hostCpus > 0 ? hostCpus : job.cpuCount());
      host.put("NanoCpus", Math.round(cpus * 1e9));
    }
    Long memory = MemoryLimit.parse(job.memoryLimit());
    if (memory != null) {
      host.put("Memory", memory).put("MemorySwap", memory);
    }
    JsonObject labels = new JsonObject();
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
    String name = JobMetadataStore.containerName(job.id());
    return new Create(
        name,
        container(imageRef, job.args(), env, settings)
            .put("HostConfig", host)
            .put("Labels", labels)
            .put("WorkingDir", "/workspace"));
  }

  /**
   * A database task's container {@code name}: the same hardening on {@code network} ({@code none},
   * or the database network), without a volume.
   */
  public static Create forDbTask(
      String name,
      String imageRef,
      List<String> args,
      Map<String, String> env,
      String network,
      ExecutorSettings settings) {
    return new Create(
        name,
        container(imageRef, args, env, settings)
            .put("HostConfig", hardened(settings, network, env))
            .put("Labels", new JsonObject().put("job-runner", "").put(DB_TASK_LABEL, "")));
  }

  private static JsonObject hardened(
      ExecutorSettings settings, String network, Map<String, String> env) {
    JsonObject host =
        new JsonObject()
            .put("Init", true)
            .put(
                "LogConfig",
                new JsonObject()
                    .put("Type", "local")
                    .put(
                        "Config",
                        new JsonObject()
                            .put("max-file", "200")
                            .put("max-size", "20m")
                            .put("compress", "true")))
            .put("CapDrop", new JsonArray().add("ALL"))
            .put("SecurityOpt", new JsonArray().add("no-new-privileges"))
            .put("PidsLimit", settings.pidsLimit())
            .put("NetworkMode", network);
    if (!"none".equals(network)) {
      host.put("Dns", new JsonArray().add(DatabaseAccess.DB_DNS));
      String extraHost = DatabaseAccess.hostEntry(env.get("DATABASE_URL"));
      if (extraHost != null) {
        host.put("ExtraHosts", new JsonArray().add(extraHost));
      }
    }
    return host;
  }

  private static JsonObject container(
      String imageRef, List<String> args, Map<String, String> env, ExecutorSettings settings) {
    JsonArray envList = new JsonArray().add("HOME=/tmp");
    env.forEach((k, v) -> envList.add(k + "=" + v));
    JsonObject c = new JsonObject().put("Image", imageRef);
    if (settings.dockerUser() != null) {
      c.put("User", settings.dockerUser());
    }
    return c.put("Env", envList).put("Cmd", new JsonArray(new ArrayList<Object>(args)));
  }
}
