package org.rap.agent.poller;

import io.vertx.core.json.JsonObject;

/**
 * One agent state report (docs/spec/task-api.md section 4): sent as the form field {@code payload}
 * holding {@code {task_id, stage, results, complete, timestamp_ns}}.
 *
 * @param results already redacted results, or null
 * @param timestampNs agent time of the state change (ns), or null
 */
public record TaskUpdate(
    String taskId, String stage, JsonObject results, boolean complete, Long timestampNs) {

  public JsonObject toPayload() {
    return new JsonObject()
        .put("task_id", taskId)
        .put("stage", stage)
        .put("results", results)
        .put("complete", complete)
        .put("timestamp_ns", timestampNs);
  }
}
