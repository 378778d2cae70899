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
import org.rap.common.json.Jsons;
import org.rap.common.model.Task;
import org.rap.common.model.TaskType;
import org.rap.common.tasks.AgentTask;
import org.rap.common.tasks.TaskList;
import org.rap.common.tasks.TaskUpdate;

/** SQL for the {@code tasks} table. Every method takes the client to run on. */
public final class TaskRepository {
  private static final String COLUMNS =
      "id, backend, type, job_id, definition, active, created_at, finished_at, attributes,"
          + " agent_stage, agent_complete, agent_results, agent_timestamp_ns";

  public Future<Void> insert(SqlClient client, Task task, String jobId) {
    Map<String, Object> p = new HashMap<>();
    p.put("id", task.id());
    p.put("backend", task.backend());
    p.put("type", task.type().value());
    p.put("job_id", jobId);
    p.put("definition", task.definition().encode());
    p.put("active", Rows.flag(task.active()));
    p.put("created_at", task.createdAt());
    p.put("finished_at", task.finishedAt());
    p.put(
        "attributes", (task.attributes() == null ? new JsonObject() : task.attributes()).encode());
    return SqlTemplate.forUpdate(
            client,
            "INSERT INTO tasks (id, backend, type, job_id, definition, active, created_at,"
                + " finished_at, attributes) VALUES (#{id}, #{backend}, #{type}, #{job_id},"
                + " #{definition}, #{active}, #{created_at}, #{finished_at}, #{attributes})")
        .execute(p)
        .mapEmpty();
  }

  public Future<Optional<Task>> findById(SqlClient client, String id) {
    return query(client, "SELECT " + COLUMNS + " FROM tasks WHERE id = #{id}", Map.of("id", id))
        .map(l -> l.stream().findFirst());
  }

  /** The active tasks of a backend, DBSTATUS first, then by creation (the agents' order). */
  static final String ACTIVE_OF_BACKEND =
      " FROM tasks WHERE active = 1 AND backend = #{backend}"
          + " ORDER BY CASE WHEN type = 'dbstatus' THEN 0 ELSE 1 END, created_at, id";

  /** Active tasks of a backend, DBSTATUS first, then by creation. */
  public Future<List<Task>> findActive(SqlClient client, String backend) {
    return query(client, "SELECT " + COLUMNS + ACTIVE_OF_BACKEND, Map.of("backend", backend));
  }

  /**
   * {@link #findActive(SqlClient, String)} as the agents' list needs it: only the listed columns,
   * each task rendered as its JSON object with the stored {@code definition} and {@code attributes}
   * texts copied as they are (they are JSON written by {@link #insert}), instead of parsing every
   * column (agent results included) and encoding the objects again.
   */
  public Future<List<TaskList.Entry>> findActiveForAgent(SqlClient client, String backend) {
    // the agent without an id sees what nobody holds (everything, when it is alone)
    return listed(
        client,
        ACTIVE_OF_BACKEND.replace(
            "backend = #{backend}", "backend = #{backend} AND agent_id IS NULL"),
        Map.of("backend", backend),
        false);
  }

  /** The active tasks a named agent holds, each with its {@code lease} (task-api.md section 8). */
  public Future<List<TaskList.Entry>> findHeldBy(SqlClient client, String backend, String agent) {
    return listed(
        client,
        ACTIVE_OF_BACKEND.replace(
            "backend = #{backend}", "backend = #{backend} AND agent_id = #{agent}"),
        Map.of("backend", backend, "agent", agent),
        true);
  }

  private static Future<List<TaskList.Entry>> listed(
      SqlClient client, String from, Map<String, Object> params, boolean leases) {
    return SqlTemplate.forQuery(
            client,
            "SELECT id, backend, type, definition, attributes, created_at, agent_id, lease_token"
                + from)
        .execute(params)
        .map(
            rows -> {
              List<TaskList.Entry> out = new ArrayList<>(rows.size());
              for (Row r : rows) {
                String id = r.getString(0);
                String json =
                    AgentTask.json(
                        id,
                        r.getString(1),
                        r.getString(2),
                        r.getString(3),
                        r.getString(4),
                        r.getLong(5));
                out.add(
                    new TaskList.Entry(
                        id,
                        leases ? AgentTask.withLease(json, r.getString(6), r.getLong(7)) : json));
              }
              return out;
            });
  }

  /** Active tasks of one type in a backend. */
  public Future<List<Task>> findActive(SqlClient client, String backend, TaskType type) {
    return query(
        client,
        "SELECT "
            + COLUMNS
            + " FROM tasks WHERE active = 1 AND backend = #{backend} AND type = #{type}"
            + " ORDER BY id",
        Map.of("backend", backend, "type", type.value()));
  }

  /** All RUNJOB tasks of a job, oldest first (ids sort in creation order). */
  public Future<List<Task>> findRunJobTasks(SqlClient client, String jobId) {
    return query(
        client,
        "SELECT "
            + COLUMNS
            + " FROM tasks WHERE job_id = #{job_id} AND type = 'runjob' ORDER BY id",
        Map.of("job_id", jobId));
  }

  /** The latest RUNJOB task of each given job. */
  public Future<Map<String, Task>> latestRunJobTasks(SqlClient client, Collection<String> jobIds) {
    Map<String, Object> p = new HashMap<>();
    String in = Sql.in("j", jobIds, p);
    return SqlTemplate.forQuery(
            client,
            "SELECT "
                + COLUMNS
                + " FROM tasks WHERE type = 'runjob' AND job_id IN "
                + in
                + " ORDER BY job_id, id")
        .execute(p)
        .map(
            rows -> {
              Map<String, Task> out = new HashMap<>();
              for (Row r : rows) {
                out.put(r.getString("job_id"), toTask(r));
              }
              return out;
            });
  }

  /** When the last task of a type finished in a backend, if ever. */
  public Future<Optional<Long>> lastFinishedAt(SqlClient client, String backend, TaskType type) {
    return SqlTemplate.forQuery(
            client,
            "SELECT MAX(finished_at) AS last FROM tasks WHERE backend = #{backend}"
                + " AND type = #{type}")
        .execute(Map.of("backend", backend, "type", type.value()))
        .map(rows -> Optional.ofNullable(rows.iterator().next().getLong("last")));
  }

  /**
   * Stores an agent report, only for a task of this backend. Completing deactivates the task and
   * sets {@code finished_at}. A report on a task the agent already completed and that is no longer
   * active changes nothing.
   *
   * @return whether the report was stored
   */
  public Future<Boolean> storeReport(
      SqlClient client, String backend, TaskUpdate u, long nowSeconds) {
    Map<String, Object> p = new HashMap<>();
    p.put("id", u.taskId());
    p.put("backend", backend);
    p.put("stage", u.stage());
    p.put("results", u.results() == null ? "{}" : u.results().encode());
    p.put("complete", Rows.flag(u.complete()));
    p.put("ts", u.timestampNs());
    p.put("now", nowSeconds);
    return SqlTemplate.forUpdate(
            client,
            "UPDATE tasks SET agent_stage = #{stage}, agent_results = #{results},"
                + " agent_complete = #{complete},"
                + " agent_timestamp_ns = COALESCE(#{ts}, agent_timestamp_ns),"
                + " active = CASE WHEN #{complete} = 1 THEN 0 ELSE active END,"
                + " finished_at = CASE WHEN #{complete} = 1 THEN #{now} ELSE finished_at END"
                + " WHERE id = #{id} AND backend = #{backend}"
                + " AND (active = 1 OR agent_complete IS NULL OR agent_complete = 0)")
        .execute(p)
        .map(updated -> updated.rowCount() > 0);
  }

  /**
   * Deactivates a task if it is still active. {@code finishedAt} null leaves {@code finished_at}
   * unset (the scheduled-task rule).
   *
   * @return whether it was active
   */
  public Future<Boolean> deactivate(SqlClient client, String id, Long finishedAt) {
    Map<String, Object> p = new HashMap<>();
    p.put("id", id);
    p.put("finished_at", finishedAt);
    return SqlTemplate.forQuery(
            client,
            "UPDATE tasks SET active = 0, finished_at = COALESCE(#{finished_at}, finished_at)"
                + " WHERE id = #{id} AND active = 1 RETURNING id")
        .execute(p)
        .map(rows -> rows.size() == 1);
  }

  /**
   * The scheduler's view of a RUNJOB task: agent fields only (no definition, which is large and not
   * needed to follow a running job).
   */
  public record RunJobState(
      String id,
      String jobId,
      boolean active,
      String agentStage,
      boolean agentComplete,
      JsonObject agentResults,
      Long agentTimestampNs) {}

  /**
   * The latest RUNJOB task of every running job, in one query (earlier tasks of a job are dropped).
   * Keyed by job id.
   */
  public Future<Map<String, RunJobState>> latestRunJobStatesOfRunningJobs(SqlClient client) {
    return runJobStates(client, "j.state = 'running'", Map.of());
  }

  /** {@link #latestRunJobStatesOfRunningJobs} for the given jobs only, whatever their state. */
  public Future<Map<String, RunJobState>> latestRunJobStatesOf(
      SqlClient client, Collection<String> jobIds) {
    Map<String, Object> p = new HashMap<>();
    return runJobStates(client, "t.job_id IN " + Sql.in("j", jobIds, p), p);
  }

  private Future<Map<String, RunJobState>> runJobStates(
      SqlClient client, String where, Map<String, Object> params) {
    return SqlTemplate.forQuery(
            client,
            "SELECT t.id, t.job_id, t.active, t.agent_stage, t.agent_complete, t.agent_results,"
                + " t.agent_timestamp_ns FROM tasks t JOIN job j ON j.id = t.job_id WHERE "
                + where
                + " AND t.type = 'runjob' AND t.backend = j.backend ORDER BY t.job_id, t.id")
        .execute(params)
        .map(
            rows -> {
              Map<String, RunJobState> out = new HashMap<>();
              for (Row r : rows) {
                // by position: this runs for every running job on every pass
                Integer completeFlag = r.getInteger(4);
                Integer activeFlag = r.getInteger(2);
                boolean complete = completeFlag != null && completeFlag != 0;
                String jobId = r.getString(1);
                out.put(
                    jobId,
                    new RunJobState(
                        r.getString(0),
                        jobId,
                        activeFlag != null && activeFlag != 0,
                        r.getString(3),
                        complete,
                        complete ? Jsons.object(r.getString(5)) : null,
                        r.getLong(6)));
              }
              return out;
            });
  }

  /** Per (backend, type) of the scheduled DB task kinds: active count and last finish time. */
  public record ScheduledSummary(String backend, TaskType type, long active, Long lastFinishedAt) {}

  public Future<List<ScheduledSummary>> scheduledSummaries(SqlClient client) {
    return SqlTemplate.forQuery(
            client,
            "SELECT backend, type, SUM(active) AS active_count, MAX(finished_at) AS last_finished"
                + " FROM tasks WHERE type IN ('dbstatus', 'dbdatacheck') GROUP BY backend, type")
        .execute(Map.of())
        .map(
            rows -> {
              List<ScheduledSummary> out = new ArrayList<>();
              for (Row r : rows) {
                Long active = r.getLong("active_count");
                out.add(
                    new ScheduledSummary(
                        r.getString("backend"),
                        TaskType.fromValue(r.getString("type")),
                        active == null ? 0 : active,
                        r.getLong("last_finished")));
              }
              return out;
            });
  }

  /**
   * Deactivates every active task of a type in a backend without setting {@code finished_at} (the
   * scheduled-task rule). Returns how many were active.
   */
  public Future<Integer> deactivateAll(SqlClient client, String backend, TaskType type) {
    return SqlTemplate.forQuery(
            client,
            "UPDATE tasks SET active = 0 WHERE backend = #{backend} AND type = #{type}"
                + " AND active = 1 RETURNING id")
        .execute(Map.of("backend", backend, "type", type.value()))
        .map(RowSet::size);
  }

  private Future<List<Task>> query(SqlClient client, String sql, Map<String, Object> params) {
    return SqlTemplate.forQuery(client, sql).execute(params).map(TaskRepository::toTasks);
  }

  private static List<Task> toTasks(RowSet<Row> rows) {
    List<Task> out = new ArrayList<>(rows.size());
    for (Row r : rows) {
      out.add(toTask(r));
    }
    return out;
  }

  static Task toTask(Row r) {
    String stage = r.getString("agent_stage");
    Boolean complete = Rows.nullableBool(r, "agent_complete");
    String results = r.getString("agent_results");
    Long timestamp = r.getLong("agent_timestamp_ns");
    return new Task(
        r.getString("id"),
        r.getString("backend"),
        TaskType.fromValue(r.getString("type")),
        new JsonObject(r.getString("definition")),
        Jsons.object(r.getString("attributes")),
        r.getLong("created_at"),
        Rows.bool(r, "active"),
        r.getLong("finished_at"),
        stage == null && complete == null && results == null && timestamp == null
            ? null
            : new Task.AgentReport(stage, complete, Jsons.object(results), timestamp));
  }

  // ---------------------------------------------------------------------------------------------
  // Leases of named agents (docs/spec/task-api.md section 8)

  /** How many tasks of a type are active (waiting for or held by the agent) in a backend. */
  public record ActiveCount(String backend, TaskType type, long count) {}

  public Future<List<ActiveCount>> activeCounts(SqlClient client) {
    return SqlTemplate.forQuery(
            client,
            "SELECT backend, type, COUNT(*) AS n FROM tasks WHERE active = 1"
                + " GROUP BY backend, type ORDER BY backend, type")
        .execute(Map.of())
        .map(
            rows -> {
              List<ActiveCount> out = new ArrayList<>();
              for (Row r : rows) {
                out.add(
                    new ActiveCount(
                        r.getString("backend"),
                        TaskType.fromValue(r.getString("type")),
                        r.getLong("n")));
              }
              return out;
            });
  }
}
