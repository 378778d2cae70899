package org.rap.controller.db;

import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.templates.SqlTemplate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * SQL for the {@code agents} table: the named agents of each backend (docs/spec/task-api.md section
 * 8), with what they hold read from {@code tasks}. Every method takes the client to run on.
 */
public final class AgentRepository {

  /**
   * An agent as operators see it.
   *
   * @param runningTasks active RUNJOB tasks it holds
   * @param leases active tasks of any type it holds
   * @param nextExpiryMs when the first of its leases runs out (null: it holds none)
   */
  public record AgentRow(
      String backend,
      String id,
      int capacity,
      long firstSeenMs,
      long lastSeenMs,
      int runningTasks,
      int leases,
      Long nextExpiryMs) {}

  /** Records a poll of {@code id}: its capacity, its storage and when it was seen. */
  public Future<Void> seen(
      SqlClient client, String backend, String id, int capacity, String storage, long nowMs) {
    Map<String, Object> p = new HashMap<>();
    p.put("backend", backend);
    p.put("id", id);
    p.put("capacity", capacity);
    p.put("storage", storage);
    p.put("now", nowMs);
    return SqlTemplate.forUpdate(
            client,
            "INSERT INTO agents (backend, id, capacity, storage_id, first_seen_ms, last_seen_ms)"
                + " VALUES (#{backend}, #{id}, #{capacity}, #{storage}, #{now}, #{now})"
                + " ON CONFLICT (backend, id) DO UPDATE SET capacity = excluded.capacity,"
                + " storage_id = excluded.storage_id, last_seen_ms = excluded.last_seen_ms")
        .execute(p)
        .mapEmpty();
  }

  /**
   * Another agent of the backend seen at or after {@code sinceMs} that reported another storage
   * than {@code storage}: its id and storage, or null when there is none.
   */
  public Future<String[]> otherStorage(
      SqlClient client, String backend, String id, String storage, long sinceMs) {
    return SqlTemplate.forQuery(
            client,
            "SELECT id, storage_id FROM agents WHERE backend = #{backend} AND id <> #{id}"
                + " AND last_seen_ms >= #{since} AND storage_id IS NOT NULL"
                + " AND storage_id <> #{storage} ORDER BY last_seen_ms DESC LIMIT 1")
        .execute(Map.of("backend", backend, "id", id, "storage", storage, "since", sinceMs))
        .map(
            rows -> {
              for (Row r : rows) {
                return new String[] {r.getString(0), r.getString(1)};
              }
              return null;
            });
  }

  /** Capacity of each agent of a backend seen at or after {@code sinceMs}. */
  public Future<Map<String, Integer>> liveCapacities(
      SqlClient client, String backend, long sinceMs) {
    return SqlTemplate.forQuery(
            client,
            "SELECT id, capacity FROM agents WHERE backend = #{backend}"
                + " AND last_seen_ms >= #{since}")
        .execute(Map.of("backend", backend, "since", sinceMs))
        .map(
            rows -> {
              Map<String, Integer> out = new HashMap<>();
              rows.forEach(r -> out.put(r.getString(0), r.getInteger(1)));
              return out;
            });
  }

  /** Every agent, by backend and id, with what it holds now. */
  public Future<List<AgentRow>> list(SqlClient client) {
    return SqlTemplate.forQuery(
            client,
            "SELECT a.backend, a.id, a.capacity, a.first_seen_ms, a.last_seen_ms,"
                + " COALESCE(SUM(CASE WHEN t.type = 'runjob' THEN 1 ELSE 0 END), 0) AS running,"
                + " COUNT(t.id) AS leases, MIN(t.lease_expires_ms) AS next_expiry"
                + " FROM agents a LEFT JOIN tasks t ON t.backend = a.backend"
                + " AND t.agent_id = a.id AND t.active = 1 AND t.lease_expires_ms IS NOT NULL"
                + " GROUP BY a.backend, a.id, a.capacity, a.first_seen_ms, a.last_seen_ms"
                + " ORDER BY a.backend, a.id")
        .execute(Map.of())
        .map(
            rows -> {
              List<AgentRow> out = new ArrayList<>();
              for (Row r : rows) {
                out.add(
                    new AgentRow(
                        r.getString(0),
                        r.getString(1),
                        r.getInteger(2),
                        r.getLong(3),
                        r.getLong(4),
                        r.getLong(5).intValue(),
                        r.getLong(6).intValue(),
                        r.getLong(7)));
              }
              return out;
            });
  }
}
