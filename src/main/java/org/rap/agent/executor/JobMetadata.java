package org.rap.agent.executor;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.rap.agent.metrics.JobMetricsSource;
import org.rap.common.model.JobDefinition;

/** Builds a job's {@code metadata.json} content (docs/spec/agent-executor.md section 7.2). */
final class JobMetadata {
  private static final Logger LOG = Logger.getLogger(JobMetadata.class.getName());

  private JobMetadata() {}

  /**
   * @param container the redacted inspect data, or null when there was no container
   */
  static JsonObject build(
      JobDefinition job,
      JobMetricsSource metricsSource,
      JsonObject container,
      Map<String, String> outputs,
      List<String> unmatchedPatterns,
      List<String> unmatchedOutputs,
      FinalizeMessages.Message msg,
      boolean cancelled,
      JsonObject error) {
    JsonObject out = new JsonObject();
    outputs.forEach(out::put);
    JsonObject c = container == null ? new JsonObject() : container;
    JsonObject state = c.getJsonObject("State", new JsonObject());
    JsonObject config = c.getJsonObject("Config", new JsonObject());
    JsonObject labels =
        config.getJsonObject("Labels") == null ? new JsonObject() : config.getJsonObject("Labels");
    JsonObject metrics;
    try {
      metrics = metricsSource.metricsFor(job.id());
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "Could not read metrics of job " + job.id(), e);
      metrics = new JsonObject();
    }
    return new JsonObject()
        .put("outputs", out)
        .put("unmatched_patterns", new JsonArray(new ArrayList<>(unmatchedPatterns)))
        .put("unmatched_outputs", new JsonArray(new ArrayList<>(unmatchedOutputs)))
        .put("status_message", msg.statusMessage())
        .put("hint", msg.hint())
        .put("timestamp_ns", DockerExecutor.nowNs())
        .put("job_definition_id", job.id())
        .put("job_definition_rap_id", job.rapId())
        .put("task_id", job.taskId())
        .put("created_at", job.createdAt())
        .put("user", job.user())
        .put("completed_at", Instant.now().getEpochSecond())
        .put("docker_image_id", container == null ? null : c.getString("Image"))
        .put("expected_image_id", job.imageSha())
        .put("exit_code", container == null ? "None" : String.valueOf(state.getValue("ExitCode")))
        .put("oom_killed", container == null ? null : state.getBoolean("OOMKilled"))
        .put("container_metadata", c)
        .put("commit", job.study().commit())
        .put("database_name", job.databaseName())
        .put("action_version", labels.getString("org.opencontainers.image.version", "unknown"))
        .put("action_revision", labels.getString("org.opencontainers.image.revision", "unknown"))
        .put("action_created", labels.getString("org.opencontainers.image.created", "unknown"))
        .put("base_revision", labels.getString("org.opensafely.base.vcs-ref", "unknown"))
        .put("base_created", labels.getString("org.opencontainers.base.build-date", "unknown"))
        .put("level4_excluded_files", new JsonObject())
        .put("cancelled", cancelled)
        .put("error", error == null ? (Object) false : error)
        .put("job_metrics", metrics == null ? new JsonObject() : metrics);
  }
}
