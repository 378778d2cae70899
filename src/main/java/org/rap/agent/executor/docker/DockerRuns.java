package org.rap.agent.executor.docker;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import org.rap.agent.executor.JobRun;
import org.rap.agent.outputs.EnvRedactor;

/**
 * A job container's inspect data ({@code docker container inspect os-job-<id>}) as the runtime's
 * report of the job's run: its phase, times, exit code, OOM kill, memory limit, image and labels,
 * and the whole inspect data with the environment redacted as {@code container_metadata}
 * (docs/spec/agent-executor.md sections 2, 6 and 7.2).
 */
final class DockerRuns {
  private DockerRuns() {}

  static JobRun of(JsonObject inspect) {
    JsonObject state = inspect.getJsonObject("State", new JsonObject());
    JobRun.Phase phase;
    if (state.getBoolean("Running", false)) {
      phase = JobRun.Phase.RUNNING;
    } else if ("created".equals(state.getString("Status"))) {
      phase = JobRun.Phase.CREATED;
    } else {
      phase = JobRun.Phase.STOPPED;
    }
    JsonObject config = inspect.getJsonObject("Config", new JsonObject());
    JsonObject labels = config.getJsonObject("Labels");
    Long memory = inspect.getJsonObject("HostConfig", new JsonObject()).getLong("Memory");
    return new JobRun(
        inspect.getString("Id"),
        phase,
        parseDockerTime(inspect.getString("Created")),
        parseDockerTime(state.getString("StartedAt")),
        parseDockerTime(state.getString("FinishedAt")),
        state.getInteger("ExitCode"),
        state.getBoolean("OOMKilled"),
        memory == null ? 0 : memory,
        inspect.getString("Image"),
        labels == null ? new JsonObject() : labels,
        EnvRedactor.redact(inspect));
  }

  /** Docker's RFC 3339 time in nanoseconds since the epoch; null for none (year 1). */
  static Long parseDockerTime(String text) {
    if (text == null || text.isEmpty() || text.startsWith("0001-01-01")) {
      return null;
    }
    Instant i = Instant.parse(text);
    return i.getEpochSecond() * 1_000_000_000L + i.getNano();
  }
}
