package org.rap.controller.api.tasks;

import io.vertx.core.http.HttpServerRequest;
import org.rap.common.tasks.TaskProtocol;
import org.rap.controller.fleet.TaskLeases;

/**
 * The headers a named agent sends (docs/spec/task-api.md section 8.1), checked: bad values fail
 * with an IllegalArgumentException whose message names the header (a 400).
 */
final class AgentHeaders {
  private AgentHeaders() {}

  /** The id of the sending agent, or null for the agent without one. */
  static String agentId(HttpServerRequest req) {
    String id = req.getHeader(TaskProtocol.AGENT_ID_HEADER);
    if (id == null) {
      return null;
    }
    if (!TaskLeases.AGENT_ID.matcher(id).matches()) {
      throw new IllegalArgumentException(
          TaskProtocol.AGENT_ID_HEADER
              + " must be 1 to 100 letters, digits, '.', '_' or '-' (starting with a letter or"
              + " digit)");
    }
    return id;
  }

  /** The polling agent with its capacity, or null for the agent without an id. */
  static TaskLeases.Agent poller(HttpServerRequest req) {
    String id = agentId(req);
    if (id == null) {
      return null;
    }
    String raw = req.getHeader(TaskProtocol.CAPACITY_HEADER);
    int capacity;
    try {
      capacity = raw == null ? -1 : Integer.parseInt(raw.strip());
    } catch (NumberFormatException e) {
      capacity = -1;
    }
    if (capacity < 0 || capacity > 100_000) {
      throw new IllegalArgumentException(
          TaskProtocol.CAPACITY_HEADER
              + " must be the number of jobs the agent runs at once (0 to 100000), got "
              + (raw == null ? "none" : "'" + raw + "'"));
    }
    String storage = req.getHeader(TaskProtocol.STORAGE_HEADER);
    if (storage != null && (storage.isBlank() || storage.length() > 200)) {
      throw new IllegalArgumentException(
          TaskProtocol.STORAGE_HEADER + " must name the agent's storage (at most 200 characters)");
    }
    return new TaskLeases.Agent(id, capacity, storage == null ? null : storage.strip());
  }

  /** The lease token of an update, or null when none was sent. */
  static Long leaseToken(HttpServerRequest req) {
    String raw = req.getHeader(TaskProtocol.LEASE_TOKEN_HEADER);
    if (raw == null) {
      return null;
    }
    try {
      return Long.parseLong(raw.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          TaskProtocol.LEASE_TOKEN_HEADER
              + " must be the token of the task's lease, got '"
              + raw
              + "'");
    }
  }
}
