package org.rap.common.tasks;

import io.vertx.core.json.JsonObject;

/**
 * One agent report on a task (docs/spec/task-api.md section 4), the body of {@code POST
 * /<backend>/task/update/}: the JSON object {@code {task_id, stage, results, complete,
 * timestamp_ns}} that {@link UpdateForm} carries.
 *
 * @param stage for job tasks an executor state value ({@code preparing} ... {@code finalized},
 *     {@code error}); {@code ""} for database tasks
 * @param results already redacted results, or null
 * @param timestampNs agent time of the state change (ns), or null
 */
public record TaskUpdate(
    String taskId, String stage, JsonObject results, boolean complete, Long timestampNs) {

  /** The JSON object sent. */
  public JsonObject toPayload() {
    return new JsonObject()
        .put("task_id", taskId)
        .put("stage", stage)
        .put("results", results)
        .put("complete", complete)
        .put("timestamp_ns", timestampNs);
  }

  /**
   * The update an object that passed the contract's {@code TaskUpdate} schema holds: {@code
   * results} defaults to {@code {}}; a {@code timestamp_ns} that is null, empty, false or zero
   * means none, and a numeric string is read as its number (older agents send one).
   */
  public static TaskUpdate fromPayload(JsonObject p) {
    Object results = p.getValue("results", new JsonObject());
    return new TaskUpdate(
        p.getString("task_id"),
        p.getString("stage"),
        (JsonObject) results,
        p.getBoolean("complete"),
        timestamp(p.getValue("timestamp_ns")));
  }

  private static Long timestamp(Object ts) {
    long value;
    if (ts instanceof Number n) {
      value = n.longValue();
    } else if (ts instanceof String s && !s.isBlank()) {
      value = Long.parseLong(s.strip());
    } else {
      return null;
    }
    return value == 0 ? null : value;
  }
}
