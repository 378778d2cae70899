package org.rap.agent.executor;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Logger;
import org.rap.agent.outputs.AtomicFiles;
import org.rap.common.model.JobDefinition;

/**
 * Job log directories and {@code metadata.json} (docs/spec/agent-executor.md sections 7.1, 7.2):
 * {@code <high>/logs/<YYYY-MM of created_at, UTC>/os-job-<id>/}. The metadata file is the
 * "finalized" marker, so it is always written atomically and last. Lookup by job id alone globs
 * {@code logs/*}{@code /os-job-<id>/metadata.json}.
 */
public final class JobMetadataStore {
  public static final String METADATA_FILE = "metadata.json";
  public static final String LOGS_FILE = "logs.txt";
  private static final DateTimeFormatter MONTH =
      DateTimeFormatter.ofPattern("yyyy-MM").withZone(ZoneOffset.UTC);

  /** Defaults for keys older metadata files lack. */
  static final Map<String, Object> DEFAULTS =
      Map.ofEntries(
          Map.entry("unmatched_patterns", new JsonArray()),
          Map.entry("unmatched_outputs", new JsonArray()),
          Map.entry("level4_excluded_files", new JsonObject()),
          Map.entry("cancelled", false),
          Map.entry("error", false),
          Map.entry("job_metrics", new JsonObject()));

  static final List<String> NULL_DEFAULTS =
      List.of(
          "hint",
          "timestamp_ns",
          "action_version",
          "action_revision",
          "action_created",
          "base_revision",
          "base_created");

  private static final Logger LOG = Logger.getLogger(JobMetadataStore.class.getName());
  private final Path logsRoot;

  public JobMetadataStore(Path logsRoot) {
    this.logsRoot = logsRoot;
  }

  public static String containerName(String jobId) {
    return "os-job-" + jobId;
  }

  /** The log directory of a job (creation-month rule). */
  public Path logDir(JobDefinition job) {
    return logsRoot
        .resolve(MONTH.format(Instant.ofEpochSecond(job.createdAt())))
        .resolve(containerName(job.id()));
  }

  /** The metadata file of a job found by id alone; at most one may exist. */
  public Optional<Path> find(String jobId) throws IOException {
    if (!Files.isDirectory(logsRoot)) {
      return Optional.empty();
    }
    List<Path> found = new ArrayList<>();
    try (DirectoryStream<Path> months = Files.newDirectoryStream(logsRoot)) {
      for (Path month : months) {
        Path f = month.resolve(containerName(jobId)).resolve(METADATA_FILE);
        if (Files.isRegularFile(f)) {
          found.add(f);
        }
      }
    }
    if (found.size() > 1) {
      // only possible with files written by the reference's old finalize-month rule: the newest
      // wins
      LOG.warning("More than one metadata file for job " + jobId + ", using the newest: " + found);
      Path newest = found.get(0);
      for (Path f : found) {
        if (Files.getLastModifiedTime(f).compareTo(Files.getLastModifiedTime(newest)) > 0) {
          newest = f;
        }
      }
      return Optional.of(newest);
    }
    return found.stream().findFirst();
  }

  /** Stored metadata of a job (with defaults), or an empty object. */
  public JsonObject read(String jobId) throws IOException {
    Optional<Path> f = find(jobId);
    if (f.isEmpty()) {
      return new JsonObject();
    }
    JsonObject m = new JsonObject(Files.readString(f.get()));
    DEFAULTS.forEach(
        (k, v) -> {
          if (!m.containsKey(k)) {
            m.put(
                k, v instanceof JsonObject o ? o.copy() : v instanceof JsonArray a ? a.copy() : v);
          }
        });
    NULL_DEFAULTS.forEach(
        k -> {
          if (!m.containsKey(k)) {
            m.putNull(k);
          }
        });
    return m;
  }

  /**
   * Metadata of this task: ignored when both the stored and the definition's task ids are non-empty
   * and differ (the job was re-queued with a new task).
   */
  public JsonObject readForTask(JobDefinition job) throws IOException {
    JsonObject m = read(job.id());
    String stored = m.getString("task_id", "");
    String current = job.taskId() == null ? "" : job.taskId();
    if (!stored.isEmpty() && !current.isEmpty() && !stored.equals(current)) {
      return new JsonObject();
    }
    return m;
  }

  /**
   * Writes {@code metadata.json} (one handling per job at a time: leftovers of a killed agent go
   * first).
   */
  public void write(JobDefinition job, JsonObject metadata) throws IOException {
    Path file = logDir(job).resolve(METADATA_FILE);
    AtomicFiles.deleteLeftovers(file);
    AtomicFiles.writeString(file, metadata.encodePrettily());
  }
}
