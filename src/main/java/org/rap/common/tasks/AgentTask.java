package org.rap.common.tasks;

import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import org.rap.common.model.TaskType;

/**
 * One active task as the agent receives it in {@code GET /<backend>/tasks/} (docs/spec/task-api.md
 * section 3): {@code {id, backend, type, definition, attributes, created_at}}, plus, for an agent
 * that sent its id, the {@code lease} it holds the task under (section 8).
 *
 * @param createdAt when the controller created the task, UNIX seconds
 * @param lease null: listed without a lease (an agent without an id, or an older controller)
 */
public record AgentTask(
    String id,
    String backend,
    TaskType type,
    JsonObject definition,
    JsonObject attributes,
    long createdAt,
    Lease lease) {

  /** The claim an agent holds a task under: its id and the attempt's fencing token. */
  public record Lease(String agent, long token) {}

  public AgentTask(
      String id,
      String backend,
      TaskType type,
      JsonObject definition,
      JsonObject attributes,
      long createdAt) {
    this(id, backend, type, definition, attributes, createdAt, null);
  }

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
    Lease lease = null;
    if (j.getValue("lease") instanceof JsonObject l
        && l.getValue("token") instanceof Number token
        && l.getValue("agent") instanceof String agent) {
      lease = new Lease(agent, token.longValue());
    }
    return new AgentTask(
        id,
        j.getString("backend", ""),
        TaskType.fromValue(type),
        (JsonObject) def,
        attributes == null ? new JsonObject() : attributes,
        created.longValue(),
        lease);
  }

  /**
   * A task's JSON text ({@link #json}) with the {@code lease} its holder gets: {@code {"agent":
   * <id>, "token": <fencing token>}}.
   */
  public static String withLease(String json, String agent, Long token) {
    if (agent == null || token == null) {
      return json;
    }
    return json.substring(0, json.length() - 1)
        + ",\"lease\":{\"agent\":"
        + Json.encode(agent)
        + ",\"token\":"
        + token
        + "}}";
  }

  /**
   * A task's JSON text from its stored parts, the {@code definition} and {@code attributes} copied
   * as the JSON texts they are (no parsing and encoding again: the controller lists every active
   * task of a backend on every poll).
   *
   * @param attributes JSON text, or null or blank for {@code {}}
   */
  public static String json(
      String id,
      String backend,
      String type,
      String definition,
      String attributes,
      long createdAt) {
    return new StringBuilder(256 + definition.length())
        .append("{\"id\":")
        .append(Json.encode(id))
        .append(",\"backend\":")
        .append(Json.encode(backend))
        .append(",\"type\":")
        .append(Json.encode(type))
        .append(",\"definition\":")
        .append(definition.strip())
        .append(",\"attributes\":")
        .append(attributes == null || attributes.isBlank() ? "{}" : attributes.strip())
        .append(",\"created_at\":")
        .append(createdAt)
        .append('}')
        .toString();
  }
}
