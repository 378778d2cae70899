package org.rap.agent.manage;

import com.github.dockerjava.api.model.Container;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.rap.agent.executor.JobStatus;
import org.rap.common.model.JobDefinition;
import org.rap.common.model.TaskType;
import org.rap.common.tasks.AgentTask;

/**
 * {@code rap agent status}: what this agent's host is doing, from the same sources the agent
 * derives everything from (the controller's active tasks, Docker, storage): each job with its task,
 * executor state and container; leftovers (job containers no task explains, volume directories of
 * no job, old temporary checkouts); free space of the storage trees. Read-only.
 */
public final class AgentStatus {
  static final Duration OLD_TEMP = Duration.ofHours(1);

  private final AgentTools tools;

  public AgentStatus(AgentTools tools) {
    this.tools = tools;
  }

  /** The report as JSON (what {@code --json} prints; {@link #text} renders it). */
  public JsonObject report() {
    JsonObject r =
        new JsonObject()
            .put("backend", tools.config().backend())
            .put("controller", tools.config().taskApiEndpoint())
            .put("agent_running", tools.agentRunning())
            .put("agent_address", tools.config().host() + ":" + tools.config().port());
    List<AgentTask> tasks = List.of();
    try {
      tasks = tools.activeTasks();
      Map<String, Integer> byType = new TreeMap<>();
      tasks.forEach(t -> byType.merge(t.type().value(), 1, Integer::sum));
      r.put("controller_reachable", true)
          .put("active_tasks", new JsonObject(new LinkedHashMap<>(byType)));
    } catch (RuntimeException e) {
      r.put("controller_reachable", false).put("controller_error", e.getMessage());
    }
    boolean tasksKnown = r.getBoolean("controller_reachable");
    Map<String, AgentTask> jobTasks = new LinkedHashMap<>();
    for (AgentTask t : tasks) {
      String id = t.definition().getString("id");
      if (t.type().isJobTask() && id != null) {
        // a CANCELJOB supersedes the RUNJOB of the same job
        if (!jobTasks.containsKey(id) || t.type() == TaskType.CANCELJOB) {
          jobTasks.put(id, t);
        }
      }
    }
    Map<String, Container> containers = new LinkedHashMap<>();
    for (Container c : tools.jobContainers()) {
      containers.put(AgentTools.jobIdOf(c), c);
    }
    JsonArray jobs = new JsonArray();
    for (Map.Entry<String, AgentTask> e : jobTasks.entrySet()) {
      AgentTask t = e.getValue();
      JobDefinition def = JobDefinition.fromJson(t.definition());
      JsonObject j =
          new JsonObject()
              .put("job_id", e.getKey())
              .put("task_id", t.id())
              .put("task_type", t.type().value())
              .put("workspace", def.workspace())
              .put("action", def.action());
      try {
        JobStatus s = tools.executor().status(def, t.type() == TaskType.CANCELJOB).await();
        j.put("state", s.state().value());
      } catch (RuntimeException ex) {
        j.put("state", "unavailable: " + ex.getMessage());
      }
      Optional.ofNullable(containers.get(e.getKey()))
          .ifPresent(c -> j.put("container", container(c)));
      jobs.add(j);
    }
    r.put("jobs", jobs);

    JsonArray leftovers = new JsonArray();
    if (tasksKnown) {
      containers.forEach(
          (id, c) -> {
            if (!jobTasks.containsKey(id)) {
              leftovers.add(
                  new JsonObject()
                      .put("kind", "container")
                      .put("job_id", id)
                      .put("name", AgentTools.CONTAINER_PREFIX + id)
                      .put("detail", container(c))
                      .put(
                          "advice", "no active task: remove it with `rap kill-job " + id + " -y`"));
            }
          });
      volumes(jobTasks, containers, leftovers);
    }
    oldTemps(leftovers);
    r.put("leftovers", leftovers);
    JsonArray storage = new JsonArray();
    storage.add(store("high_privacy", tools.settings().highPrivacyStorageBase()));
    storage.add(store("medium_privacy", tools.settings().mediumPrivacyStorageBase()));
    r.put("storage", storage);
    return r;
  }

  private static JsonObject container(Container c) {
    return new JsonObject()
        .put("id", c.getId().substring(0, Math.min(12, c.getId().length())))
        .put("state", c.getState())
        .put("status", c.getStatus())
        .put("image", c.getImage())
        .put("created", Instant.ofEpochSecond(c.getCreated()).toString());
  }

  private void volumes(
      Map<String, AgentTask> tasks, Map<String, Container> containers, JsonArray leftovers) {
    Path dir = tools.settings().highPrivacyVolumeDir();
    if (!Files.isDirectory(dir)) {
      return;
    }
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path v : entries) {
        String id = v.getFileName().toString();
        if (Files.isDirectory(v) && !tasks.containsKey(id) && !containers.containsKey(id)) {
          leftovers.add(
              new JsonObject()
                  .put("kind", "volume")
                  .put("job_id", id)
                  .put("name", v.toString())
                  .put(
                      "detail",
                      "modified " + age(Files.getLastModifiedTime(v).toInstant()) + " ago")
                  .put(
                      "advice",
                      "no container and no active task: remove it with `rap kill-job "
                          + id
                          + " -y`"));
        }
      }
    } catch (IOException e) {
      leftovers.add(
          new JsonObject()
              .put("kind", "error")
              .put("name", dir.toString())
              .put("detail", e.toString()));
    }
  }

  private void oldTemps(JsonArray leftovers) {
    Path dir = tools.settings().tempDir();
    if (!Files.isDirectory(dir)) {
      return;
    }
    Instant cutoff = Instant.now().minus(OLD_TEMP);
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path p : entries) {
        Instant modified = Files.getLastModifiedTime(p).toInstant();
        if (modified.isBefore(cutoff)) {
          leftovers.add(
              new JsonObject()
                  .put("kind", "temp")
                  .put("name", p.toString())
                  .put("detail", "modified " + age(modified) + " ago")
                  .put(
                      "advice",
                      "a checkout interrupted by a restart: safe to delete while no job prepares"));
        }
      }
    } catch (IOException e) {
      leftovers.add(
          new JsonObject()
              .put("kind", "error")
              .put("name", dir.toString())
              .put("detail", e.toString()));
    }
  }

  private static JsonObject store(String name, Path path) {
    JsonObject s = new JsonObject().put("name", name).put("path", path.toString());
    try {
      FileStore fs = Files.getFileStore(Files.isDirectory(path) ? path : path.getParent());
      s.put("free_bytes", fs.getUsableSpace()).put("total_bytes", fs.getTotalSpace());
    } catch (IOException | RuntimeException e) {
      s.put("error", String.valueOf(e.getMessage()));
    }
    return s;
  }

  static String age(Instant then) {
    Duration d = Duration.between(then, Instant.now());
    if (d.toDays() > 0) {
      return d.toDays() + "d";
    }
    if (d.toHours() > 0) {
      return d.toHours() + "h";
    }
    if (d.toMinutes() > 0) {
      return d.toMinutes() + "m";
    }
    return Math.max(0, d.toSeconds()) + "s";
  }

  /** The report for people. */
  public static List<String> text(JsonObject r) {
    List<String> out = new ArrayList<>();
    out.add(
        "Agent for backend "
            + r.getString("backend")
            + ", controller "
            + r.getString("controller"));
    out.add(
        "  agent process: "
            + (r.getBoolean("agent_running") ? "running on " : "NOT answering on ")
            + r.getString("agent_address"));
    if (r.getBoolean("controller_reachable")) {
      JsonObject byType = r.getJsonObject("active_tasks");
      int total = byType.stream().mapToInt(e -> ((Number) e.getValue()).intValue()).sum();
      List<String> parts = new ArrayList<>();
      byType.forEach(e -> parts.add(e.getValue() + " " + e.getKey()));
      out.add(
          "  controller: "
              + total
              + " active task(s)"
              + (parts.isEmpty() ? "" : " (" + String.join(", ", parts) + ")"));
    } else {
      out.add("  controller: UNREACHABLE (" + r.getString("controller_error") + ")");
    }
    JsonArray jobs = r.getJsonArray("jobs");
    out.add("Jobs (" + jobs.size() + "):");
    if (jobs.isEmpty()) {
      out.add("  none");
    } else {
      out.add(
          String.format(
              "  %-20s %-26s %-10s %-34s %s",
              "JOB", "TASK", "STATE", "CONTAINER", "WORKSPACE/ACTION"));
      for (Object o : jobs) {
        JsonObject j = (JsonObject) o;
        JsonObject c = j.getJsonObject("container");
        out.add(
            String.format(
                "  %-20s %-26s %-10s %-34s %s",
                j.getString("job_id"),
                j.getString("task_id")
                    + (j.getString("task_type").equals("canceljob") ? " (cancel)" : ""),
                j.getString("state"),
                c == null ? "-" : c.getString("status"),
                j.getString("workspace") + "/" + j.getString("action")));
      }
    }
    JsonArray leftovers = r.getJsonArray("leftovers");
    out.add("Leftovers (" + leftovers.size() + "):");
    if (leftovers.isEmpty()) {
      out.add("  none");
    }
    for (Object o : leftovers) {
      JsonObject l = (JsonObject) o;
      Object detail = l.getValue("detail");
      String d = detail instanceof JsonObject c ? c.getString("status") : String.valueOf(detail);
      out.add(
          "  "
              + l.getString("kind")
              + " "
              + l.getString("name")
              + ": "
              + d
              + (l.containsKey("advice") ? "; " + l.getString("advice") : ""));
    }
    out.add("Storage:");
    for (Object o : r.getJsonArray("storage")) {
      JsonObject s = (JsonObject) o;
      out.add(
          "  "
              + s.getString("name")
              + " "
              + s.getString("path")
              + ": "
              + (s.containsKey("free_bytes")
                  ? gib(s.getLong("free_bytes")) + " free of " + gib(s.getLong("total_bytes"))
                  : "unavailable (" + s.getString("error") + ")"));
    }
    return out;
  }

  private static String gib(long bytes) {
    return String.format("%.1f GiB", bytes / 1024.0 / 1024.0 / 1024.0);
  }
}
