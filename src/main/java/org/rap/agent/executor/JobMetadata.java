package org.rap.agent.executor;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Map;
import org.rap.agent.outputs.OutputMatch;
import org.rap.common.model.JobDefinition;
import org.rap.common.model.Timestamps;

/** Builds a job's {@code metadata.json} content (docs/spec/agent-executor.md section 7.2). */
final class JobMetadata {
  private JobMetadata() {}

  /**
   * @param metrics the job's resource aggregates
   * @param run the runtime's report of the job's run, or null when there was none
   * @param match the outputs' match (its unmatched patterns and outputs are recorded)
   * @param outputs the outputs filed, by privacy level
   */
  static JsonObject build(
      JobDefinition job,
      JsonObject metrics,
      JobRun run,
      OutputMatch match,
      Map<String, String> outputs,
      FinalizeMessages.Message msg,
      boolean cancelled,
      JsonObject error) {
    JsonObject out = new JsonObject();
    outputs.forEach(out::put);
    JsonObject labels = run == null ? new JsonObject() : run.labels();
    return new JsonObject()
        .put("outputs", out)
        .put("unmatched_patterns", new JsonArray(new ArrayList<>(match.unmatchedPatterns())))
        .put("unmatched_outputs", new JsonArray(new ArrayList<>(match.unmatchedOutputs())))
        .put("status_message", msg.statusMessage())
        .put("hint", msg.hint())
        .put("timestamp_ns", Timestamps.nowNanos())
        .put("job_definition_id", job.id())
        .put("job_definition_rap_id", job.rapId())
        .put("task_id", job.taskId())
        .put("created_at", job.createdAt())
        .put("user", job.user())
        .put("completed_at", Instant.now().getEpochSecond())
        .put("docker_image_id", run == null ? null : run.imageId())
        .put("expected_image_id", job.imageSha())
        .put("exit_code", run == null ? "None" : String.valueOf(run.exitCode()))
        .put("oom_killed", run == null ? null : run.oomKilled())
        .put("container_metadata", run == null ? new JsonObject() : run.metadata())
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
