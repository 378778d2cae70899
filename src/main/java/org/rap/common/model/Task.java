package org.rap.common.model;

import io.vertx.core.json.JsonObject;

/**
 * One task row (docs/spec/job-model.md section 3): what the controller asked for, fixed when the
 * task is created, whether it is still active, and what the agent last reported on it. {@code
 * definition} and {@code attributes} are JSON objects; timestamps are UNIX seconds.
 *
 * @param report the agent's reports so far, or null before the first one
 */
public record Task(
    String id,
    String backend,
    TaskType type,
    JsonObject definition,
    JsonObject attributes,
    long createdAt,
    boolean active,
    Long finishedAt,
    AgentReport report) {

  /**
   * The agent's reports on a task as stored: the latest stage, results and completion, and the
   * latest agent timestamp given (a report without one keeps the earlier).
   *
   * @param complete null until the agent has reported
   * @param timestampNs agent time of the latest state change, nanoseconds
   */
  public record AgentReport(String stage, Boolean complete, JsonObject results, Long timestampNs) {}

  /** A task as the controller creates it: active, nothing reported yet. */
  public static Task created(
      String id,
      String backend,
      TaskType type,
      JsonObject definition,
      JsonObject attributes,
      long createdAt) {
    return new Task(id, backend, type, definition, attributes, createdAt, true, null, null);
  }

  public String agentStage() {
    return report == null ? null : report.stage();
  }

  public Boolean agentComplete() {
    return report == null ? null : report.complete();
  }

  public JsonObject agentResults() {
    return report == null ? null : report.results();
  }

  public Long agentTimestampNs() {
    return report == null ? null : report.timestampNs();
  }

  public boolean isAgentComplete() {
    return report != null && Boolean.TRUE.equals(report.complete());
  }
}
