package org.rap.common.model;

import io.vertx.core.json.JsonObject;

/**
 * One task row (docs/spec/job-model.md section 3). {@code definition}, {@code attributes} and
 * {@code agentResults} are JSON objects; timestamps are UNIX seconds except {@code
 * agentTimestampNs}.
 */
public record Task(
    String id,
    String backend,
    TaskType type,
    JsonObject definition,
    boolean active,
    long createdAt,
    Long finishedAt,
    JsonObject attributes,
    String agentStage,
    Boolean agentComplete,
    JsonObject agentResults,
    Long agentTimestampNs) {

  /** The task as served to the agent: {id, backend, type, definition, attributes, created_at}. */
  public JsonObject toAgentJson() {
    return new JsonObject()
        .put("id", id)
        .put("backend", backend)
        .put("type", type.value())
        .put("definition", definition)
        .put("attributes", attributes == null ? new JsonObject() : attributes)
        .put("created_at", createdAt);
  }

  public boolean isAgentComplete() {
    return Boolean.TRUE.equals(agentComplete);
  }
}
