package org.rap.controller.db;

import io.vertx.core.Future;
import io.vertx.core.json.Json;
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
import org.rap.common.model.JobIds;
import org.rap.common.model.Task;
import org.rap.common.model.TaskType;

/** SQL for the {@code tasks} table. Every method takes the client to run on. */
public final class TaskRepository {
  private static final String COLUMNS =
      "id, backend, type, job_id, definition, active, created_at, finished_at, attributes,"
          + " agent_stage, agent_complete, agent_results, agent_timestamp_ns";

  /** An agent's report on one task (docs/spec/task-api.md section 4). */
  public record AgentUpdate(
      String taskId, String stage, JsonObject results, boolean complete, Long timestampNs) {}

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
        .compose(
            inserted ->
                // a new attempt has no results yet: the job's metrics are this task's (none); a
                // job's first attempt has no earlier metrics to clear (no statement on dispatch)
                task.type() == TaskType.RUNJOB
                        && jobId != null
                        && !task.id().equals(JobIds.runJobTaskId(jobId, 1))
                    ? SqlTemplate.forUpdate(
                            client, "UPDATE job SET metrics = NULL WHERE id = #{job_id}")
                        .execute(p)
                    : Future.succeededFuture(inserted))
        .mapEmpty();
  }

  public Future<Optional<Task>> findById(SqlClient client, String id) {
    return query(client, "SELECT " + COLUMNS + " FROM tasks WHERE id = #{id}", Map.of("id", id))
        .map(l -> l.stream().findFirst());
  }

  /** The active tasks of a backend, DBSTATUS first, then by creation (the agents' order). */
  private static final String ACTIVE_OF_BACKEND =
      " FROM tasks WHERE active = 1 AND backend = #{backend}"
          + " ORDER BY CASE WHEN type = 'dbstatus' THEN 0 ELSE 1 END, created_at, id";

  /** Active tasks of a backend, DBSTATUS first, then by creation. */
  public Future<List<Task>> findActive(SqlClient client, String backend) {
    return query(client, "SELECT " + COLUMNS + ACTIVE_OF_BACKEND, Map.of("backend", backend));
  }

  /**
   * An active task as the agent receives it: its id and its JSON object (docs/spec/task-api.md
   * section 3).
   */
  public record AgentTask(String id, String json) {}

  /**
   * {@link #findActive(SqlClient, String)} as the agents' list needs it: only the listed columns,
   * each task rendered as its JSON object with the stored {@code definition} and {@code attributes}
   * texts copied as they are (they are JSON written by {@link #insert}), instead of parsing every
   * column (agent results included) and encoding the objects again.
   */
  public Future<List<AgentTask>> findActiveForAgent(SqlClient client, String backend) {
    return SqlTemplate.forQuery(
            client,
            "SELECT id, backend, type, definition, attributes, created_at" + ACTIVE_OF_BACKEND)
        .execute(Map.of("backend", backend))
        .map(
            rows -> {
              List<AgentTask> out = new ArrayList<>(rows.size());
              for (Row r : rows) {
                String id = r.getString(0);
                String attributes = r.getString(4);
                StringBuilder json = new StringBuilder(256 + r.getString(3).length());
                json.append("{\"id\":")
                    .append(Json.encode(id))
                    .append(",\"backend\":")
                    .append(Json.encode(r.getString(1)))
                    .append(",\"type\":")
                    .append(Json.encode(r.getString(2)))
                    .append(",\"definition\":")
                    .append(r.getString(3).strip())
                    .append(",\"attributes\":")
                    .append(attributes == null || attributes.isBlank() ? "{}" : attributes.strip())
                    .append(",\"created_at\":")
                    .append(r.getLong(5))
                    .append('}');
                out.add(new AgentTask(id, json.toString()));
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
   * sets {@code finished_at}. A report on an already finished task is accepted but changes nothing.
   *
   * @return the task after the update, or empty when no such task exists in this backend
   */
  public Future<Optional<Task>> applyAgentUpdate(
      SqlClient client, String backend, AgentUpdate u, long nowSeconds) {
    return applyAgentUpdate(client, backend, u, null, nowSeconds);
  }

  /**
   * As {@link #applyAgentUpdate(SqlClient, String, AgentUpdate, long)} for a task whose type the
   * caller has read ({@code null}: unknown): only a RUNJOB task's update copies metrics to its job,
   * so for the other types that statement is not sent.
   */
  public Future<Optional<Task>> applyAgentUpdate(
      SqlClient client, String backend, AgentUpdate u, TaskType knownType, long nowSeconds) {
    boolean mayCarryMetrics = knownType == null || knownType == TaskType.RUNJOB;
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
        .compose(
            updated ->
                updated.rowCount() > 0 && mayCarryMetrics
                    ? copyMetricsToJob(client, u)
                    : Future.succeededFuture())
        .compose(ignored -> findById(client, u.taskId()))
        .map(t -> t.filter(task -> task.backend().equals(backend)));
  }

  /**
   * {@code rap/status/} reports a job's metrics from its latest RUNJOB task's results: the job row
   * keeps a copy ({@code job.metrics}, the {@code job_metrics} object or NULL), written with the
   * task's results so that status reads one table. Does nothing for other task types and for a
   * RUNJOB task that a later attempt replaced.
   */
  private Future<Void> copyMetricsToJob(SqlClient client, AgentUpdate u) {
    Object metrics = u.results() == null ? null : u.results().getValue("job_metrics");
    Map<String, Object> p = new HashMap<>();
    p.put("id", u.taskId());
    p.put("metrics", metrics instanceof JsonObject m ? m.encode() : null);
    return SqlTemplate.forUpdate(
            client,
            "UPDATE job SET metrics = #{metrics}"
                + " WHERE id = (SELECT t.job_id FROM tasks t WHERE t.id = #{id} AND t.type = 'runjob')"
                + " AND NOT EXISTS (SELECT 1 FROM tasks l WHERE l.job_id = job.id AND l.type = 'runjob'"
                + " AND l.id > #{id})")
        .execute(p)
        .mapEmpty();
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
    return SqlTemplate.forQuery(
            client,
            "SELECT t.id, t.job_id, t.active, t.agent_stage, t.agent_complete, t.agent_results,"
                + " t.agent_timestamp_ns FROM tasks t JOIN job j ON j.id = t.job_id"
                + " WHERE j.state = 'running' AND t.type = 'runjob' AND t.backend = j.backend"
                + " ORDER BY t.job_id, t.id")
        .execute(Map.of())
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
    return new Task(
        r.getString("id"),
        r.getString("backend"),
        TaskType.fromValue(r.getString("type")),
        new JsonObject(r.getString("definition")),
        Rows.bool(r, "active"),
        r.getLong("created_at"),
        r.getLong("finished_at"),
        Jsons.object(r.getString("attributes")),
        r.getString("agent_stage"),
        Rows.nullableBool(r, "agent_complete"),
        Jsons.object(r.getString("agent_results")),
        r.getLong("agent_timestamp_ns"));
  }

  // ---------------------------------------------------------------------------------------------
  // Operator page (read-only; org.rap.controller.ops)

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
