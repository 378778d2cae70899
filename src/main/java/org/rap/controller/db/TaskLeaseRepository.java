package org.rap.controller.db;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.templates.SqlTemplate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.rap.common.model.TaskType;

/**
 * SQL for the lease columns of the {@code tasks} table (the agent holding a task, its lease's end
 * and fencing token: docs/spec/task-api.md section 8), apart from {@link TaskRepository} because
 * claims, renewals and expiry are one concept of their own. Every method takes the client to run
 * on.
 */
public final class TaskLeaseRepository {
  /** A task nobody holds, as claiming needs it. */
  public record Unclaimed(String id, TaskType type, String jobId) {}

  /** Active tasks of a backend that no agent holds, in the agents' order. */
  public Future<List<Unclaimed>> unclaimed(SqlClient client, String backend) {
    return SqlTemplate.forQuery(
            client,
            "SELECT id, type, job_id"
                + TaskRepository.ACTIVE_OF_BACKEND.replace(
                    "backend = #{backend}", "backend = #{backend} AND agent_id IS NULL"))
        .execute(Map.of("backend", backend))
        .map(
            rows -> {
              List<Unclaimed> out = new ArrayList<>(rows.size());
              for (Row r : rows) {
                out.add(
                    new Unclaimed(
                        r.getString(0), TaskType.fromValue(r.getString(1)), r.getString(2)));
              }
              return out;
            });
  }

  /** Active RUNJOB tasks each agent of a backend holds (agents holding none are absent). */
  public Future<Map<String, Integer>> heldRunJobs(SqlClient client, String backend) {
    return SqlTemplate.forQuery(
            client,
            "SELECT agent_id, COUNT(*) FROM tasks WHERE active = 1 AND backend = #{backend}"
                + " AND type = 'runjob' AND agent_id IS NOT NULL GROUP BY agent_id")
        .execute(Map.of("backend", backend))
        .map(
            rows -> {
              Map<String, Integer> out = new HashMap<>();
              rows.forEach(r -> out.put(r.getString(0), r.getLong(1).intValue()));
              return out;
            });
  }

  /**
   * Hands the given tasks to {@code agent} where nobody holds them yet, with a lease until {@code
   * expiresMs} and a fencing token above every token handed out before. Returns the ids claimed.
   */
  public Future<List<String>> claim(
      SqlClient client, String agent, Collection<String> ids, long expiresMs) {
    if (ids.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    Map<String, Object> p = new HashMap<>();
    p.put("agent", agent);
    p.put("expires", expiresMs);
    String in = Sql.in("t", ids, p);
    return SqlTemplate.forQuery(
            client,
            "UPDATE tasks SET agent_id = #{agent}, lease_expires_ms = #{expires},"
                + " lease_token = (SELECT COALESCE(MAX(lease_token), 0) + 1 FROM tasks)"
                + " WHERE id IN "
                + in
                + " AND active = 1 AND agent_id IS NULL RETURNING id")
        .execute(p)
        .map(
            rows -> {
              List<String> out = new ArrayList<>(rows.size());
              rows.forEach(r -> out.add(r.getString(0)));
              return out;
            });
  }

  /** Renews every lease {@code agent} holds in a backend until {@code expiresMs}. */
  public Future<Void> renewLeases(SqlClient client, String backend, String agent, long expiresMs) {
    return SqlTemplate.forUpdate(
            client,
            "UPDATE tasks SET lease_expires_ms = #{expires} WHERE backend = #{backend}"
                + " AND agent_id = #{agent} AND active = 1 AND lease_expires_ms IS NOT NULL")
        .execute(Map.of("backend", backend, "agent", agent, "expires", expiresMs))
        .mapEmpty();
  }

  /**
   * Who holds a task. {@code expiresMs} null with an agent: the lease expired or was released while
   * the task was held.
   */
  public record Holder(String agent, Long token, Long expiresMs, boolean active) {}

  /**
   * What an agent's report needs to know of its task before storing it, read in one statement: its
   * backend and type, whether the agent already reported it complete, and who holds it.
   */
  public record ReportTarget(String backend, TaskType type, boolean agentComplete, Holder holder) {}

  public Future<Optional<ReportTarget>> reportTarget(SqlClient client, String id) {
    return SqlTemplate.forQuery(
            client,
            "SELECT backend, type, agent_complete, agent_id, lease_token, lease_expires_ms, active"
                + " FROM tasks WHERE id = #{id}")
        .execute(Map.of("id", id))
        .map(
            rows -> {
              for (Row r : rows) {
                return Optional.of(
                    new ReportTarget(
                        r.getString(0),
                        TaskType.fromValue(r.getString(1)),
                        Rows.bool(r, "agent_complete"),
                        new Holder(
                            r.getString(3), r.getLong(4), r.getLong(5), Rows.bool(r, "active"))));
              }
              return Optional.empty();
            });
  }

  /**
   * Renews one lease if {@code agent} still holds the task with {@code token}: the fenced condition
   * of every update a named agent sends.
   */
  public Future<Boolean> renewLease(
      SqlClient client, String id, String agent, long token, long expiresMs) {
    return SqlTemplate.forQuery(
            client,
            "UPDATE tasks SET lease_expires_ms = CASE WHEN active = 1 THEN #{expires}"
                + " ELSE lease_expires_ms END WHERE id = #{id} AND agent_id = #{agent}"
                + " AND lease_token = #{token} AND lease_expires_ms IS NOT NULL RETURNING id")
        .execute(Map.of("id", id, "agent", agent, "token", token, "expires", expiresMs))
        .map(rows -> rows.size() == 1);
  }

  /** An active task whose lease ran out. */
  public record Expired(String id, String backend, TaskType type, String jobId, String agent) {}

  /** Active tasks whose leases ended before {@code nowMs}. */
  public Future<List<Expired>> expiredLeases(SqlClient client, long nowMs) {
    return SqlTemplate.forQuery(
            client,
            "SELECT id, backend, type, job_id, agent_id FROM tasks WHERE active = 1"
                + " AND agent_id IS NOT NULL AND lease_expires_ms < #{now} ORDER BY id")
        .execute(Map.of("now", nowMs))
        .map(
            rows -> {
              List<Expired> out = new ArrayList<>(rows.size());
              for (Row r : rows) {
                out.add(
                    new Expired(
                        r.getString(0),
                        r.getString(1),
                        TaskType.fromValue(r.getString(2)),
                        r.getString(3),
                        r.getString(4)));
              }
              return out;
            });
  }

  /**
   * Ends a RUNJOB task whose lease ran out as if its agent had reported an error: the scheduler
   * then gives the job its next attempt. The agent stays named; the lease is gone.
   */
  public Future<Boolean> endExpired(
      SqlClient client, String id, JsonObject results, long nowMs, long nowSeconds) {
    Map<String, Object> p = new HashMap<>();
    p.put("id", id);
    p.put("results", results.encode());
    p.put("now_ms", nowMs);
    p.put("now", nowSeconds);
    return SqlTemplate.forQuery(
            client,
            "UPDATE tasks SET active = 0, lease_expires_ms = NULL, agent_complete = 1,"
                + " agent_stage = 'error', agent_results = #{results}, finished_at = #{now}"
                + " WHERE id = #{id} AND active = 1 AND lease_expires_ms < #{now_ms} RETURNING id")
        .execute(p)
        .map(rows -> rows.size() == 1);
  }

  /**
   * Frees a task whose lease ran out for any agent to claim (DBSTATUS, CANCELJOB: nothing of theirs
   * is lost with the agent). The token stays, so tokens only grow.
   */
  public Future<Boolean> freeExpired(SqlClient client, String id, long nowMs) {
    return SqlTemplate.forQuery(
            client,
            "UPDATE tasks SET agent_id = NULL, lease_expires_ms = NULL WHERE id = #{id}"
                + " AND active = 1 AND lease_expires_ms < #{now_ms} RETURNING id")
        .execute(Map.of("id", id, "now_ms", nowMs))
        .map(rows -> rows.size() == 1);
  }

  /** Ends every lease an agent holds now ({@code rap release-agent}); returns how many. */
  public Future<Integer> endLeasesOf(SqlClient client, String backend, String agent) {
    return SqlTemplate.forQuery(
            client,
            "UPDATE tasks SET lease_expires_ms = 0 WHERE backend = #{backend}"
                + " AND agent_id = #{agent} AND active = 1 AND lease_expires_ms IS NOT NULL"
                + " RETURNING id")
        .execute(Map.of("backend", backend, "agent", agent))
        .map(RowSet::size);
  }

  /**
   * A CANCELJOB goes to the agent that holds its job's RUNJOB task, under that task's lease (if
   * that agent is lost, the lease runs out and any agent may answer the cancellation).
   */
  public Future<Void> inheritClaim(SqlClient client, String taskId, String fromTaskId) {
    return SqlTemplate.forUpdate(
            client,
            "UPDATE tasks SET agent_id = f.agent_id, lease_expires_ms = f.lease_expires_ms,"
                + " lease_token = (SELECT COALESCE(MAX(lease_token), 0) + 1 FROM tasks)"
                + " FROM (SELECT agent_id, lease_expires_ms FROM tasks WHERE id = #{from}) AS f"
                + " WHERE tasks.id = #{id} AND f.agent_id IS NOT NULL"
                + " AND f.lease_expires_ms IS NOT NULL")
        .execute(Map.of("id", taskId, "from", fromTaskId))
        .mapEmpty();
  }

  // ---------------------------------------------------------------------------------------------
  // Operator page (read-only; org.rap.controller.ops)
}
