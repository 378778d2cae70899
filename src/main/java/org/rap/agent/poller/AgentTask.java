package org.rap.agent.poller;

import io.vertx.core.json.JsonObject;
import org.rap.common.model.TaskType;

/** One active task as the controller serves it (docs/spec/task-api.md section 3). */
public record AgentTask(
    String id,
    String backend,
    TaskType type,
    JsonObject definition,
    JsonObject attributes,
    long createdAt) {

  /** Parses a task; throws IllegalArgumentException naming the problem for malformed input. */
  public static AgentTask fromJson(JsonObject j) {
    String id = j.getString("id");
    if (id == null || id.isEmpty()) {
      throw new IllegalArgumentException("task without an id: " + j.fieldNames());
    }
    String type = j.getString("type");
    if (type == null) {
      throw new IllegalArgumentException("task " + id + " has no type");
    }
    Object def = j.getValue("definition");
    if (!(def instanceof JsonObject)) {
      throw new IllegalArgumentException("task " + id + " has no definition object");
    }
    JsonObject attributes = j.getJsonObject("attributes");
    Number created = j.getNumber("created_at", 0);
    return new AgentTask(
        id,
        j.getString("backend", ""),
        TaskType.fromValue(type),
        (JsonObject) def,
        attributes == null ? new JsonObject() : attributes,
        created.longValue());
  }
}
