package org.rap.controller.db;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.SqlResult;
import io.vertx.sqlclient.templates.SqlTemplate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.rap.common.model.Job;
import org.rap.common.model.JobStatus;
import org.rap.common.model.State;
import org.rap.common.model.StatusCode;

/** SQL for the {@code job} table. Every method takes the client to run on (pool or transaction). */
public final class JobRepository {
  private static final String INSERT =
      "INSERT INTO job ("
          + JobRows.COLUMNS
          + ") VALUES (#{id}, #{rap_id}, #{state}, #{repo_url}, #{commit_sha}, #{workspace},"
          + " #{database_name}, #{action}, #{action_repo_url}, #{action_commit},"
          + " #{requires_outputs_from}, #{wait_for_job_ids}, #{run_command}, #{output_spec},"
          + " #{status_message}, #{status_code}, #{cancelled}, #{created_at}, #{updated_at},"
          + " #{started_at}, #{completed_at}, #{trace_context}, #{status_code_updated_at},"
          + " #{requires_db}, #{backend}, #{branch}, #{created_by}, #{project}, #{orgs},"
          + " #{analysis_scope})";

  /** Inserts all jobs; the caller provides the transaction. */
  public Future<Void> insertAll(SqlClient client, List<Job> jobs) {
    if (jobs.isEmpty()) {
      return Future.succeededFuture();
    }
    List<Map<String, Object>> batch = new ArrayList<>(jobs.size());
    for (Job job : jobs) {
      batch.add(JobRows.insertParams(job));
    }
    return SqlTemplate.forUpdate(client, INSERT).executeBatch(batch).mapEmpty();
  }

  public Future<Optional<Job>> findById(SqlClient client, String id) {
    return query(
            client, "SELECT " + JobRows.COLUMNS + " FROM job WHERE id = #{id}", Map.of("id", id))
        .map(list -> list.stream().findFirst());
  }

  public Future<List<Job>> findByIds(SqlClient client, Collection<String> ids) {
    Map<String, Object> p = new HashMap<>();
    String in = Sql.in("i", ids, p);
    return query(client, "SELECT " + JobRows.COLUMNS + " FROM job WHERE id IN " + in, p);
  }

  /** Jobs of the given RAPs, ordered by creation. */
  public Future<List<Job>> findByRapIds(SqlClient client, Collection<String> rapIds) {
    Map<String, Object> p = new HashMap<>();
    String in = Sql.in("r", rapIds, p);
    return query(
        client,
        "SELECT "
            + JobRows.COLUMNS
            + " FROM job WHERE rap_id IN "
            + in
            + " ORDER BY created_at, id",
        p);
  }

  /** What the RAP create idempotency check needs: the job count and the first job's source. */
  public record RapSummary(int count, String repoUrl, String workspace, String commit) {}

  /** The summary of a RAP's jobs in any backend, or empty when it has none. */
  public Future<Optional<RapSummary>> rapSummary(SqlClient client, String rapId) {
    return SqlTemplate.forQuery(
            client,
            "SELECT repo_url, workspace, commit_sha,"
                + " (SELECT COUNT(*) FROM job c WHERE c.rap_id = #{rap_id}) AS n"
                + " FROM job WHERE rap_id = #{rap_id} ORDER BY created_at, id LIMIT 1")
        .execute(Map.of("rap_id", rapId))
        .map(
            rows -> {
              if (rows.size() == 0) {
                return Optional.<RapSummary>empty();
              }
              Row r = rows.iterator().next();
              return Optional.of(
                  new RapSummary(
                      r.getNumeric("n").intValue(),
                      r.getString("repo_url"),
                      r.getString("workspace"),
                      r.getString("commit_sha")));
            });
  }

  /** An action of a RAP and the backend of its jobs. */
  public record ActionBackend(String action, String backend) {}

  /** The distinct (action, backend) pairs of a RAP's jobs in the given backends. */
  public Future<List<ActionBackend>> actionsOf(
      SqlClient client, String rapId, Collection<String> backends) {
    Map<String, Object> p = new HashMap<>();
    p.put("rap_id", rapId);
    String in = Sql.in("b", backends, p);
    return SqlTemplate.forQuery(
            client,
            "SELECT DISTINCT action, backend FROM job WHERE rap_id = #{rap_id} AND backend IN "
                + in)
        .execute(p)
        .map(
            rows -> {
              List<ActionBackend> out = new ArrayList<>();
              rows.forEach(
                  r -> out.add(new ActionBackend(r.getString("action"), r.getString("backend"))));
              return out;
            });
  }

  /** The RAP status job objects of the jobs of these RAPs in these backends. */
  public Future<StatusDocuments> statusDocuments(
      SqlClient client, boolean sqlite, Collection<String> rapIds, Collection<String> backends) {
    return StatusDocuments.read(client, sqlite, rapIds, backends);
  }

  /** Every pending or running job, across all backends. */
  public Future<List<Job>> findActive(SqlClient client) {
    return query(
        client,
        "SELECT " + JobRows.COLUMNS + " FROM job WHERE state IN ('pending', 'running')",
        Map.of());
  }

  /** The status of every pending or running job, by id (a full scheduler pass). */
  public Future<Map<String, JobStatus>> findActiveStatus(SqlClient client) {
    return statuses(client, "state IN ('pending', 'running')", Map.of());
  }

  /** The status of each given job that exists, by id (the jobs that changed, for the scheduler). */
  public Future<Map<String, JobStatus>> findStatusByIds(SqlClient client, Collection<String> ids) {
    Map<String, Object> p = new HashMap<>();
    return statuses(client, "id IN " + Sql.in("i", ids, p), p);
  }

  private static Future<Map<String, JobStatus>> statuses(
      SqlClient client, String where, Map<String, Object> params) {
    return SqlTemplate.forQuery(
            client, "SELECT id, " + JobRows.STATUS_COLUMNS + " FROM job WHERE " + where)
        .execute(params)
        .map(
            rows -> {
              Map<String, JobStatus> out = new LinkedHashMap<>(rows.size() * 2);
              for (Row r : rows) {
                out.put(r.getString(0), JobRows.status(r, 1));
              }
              return out;
            });
  }

  /** Active jobs of one backend in one coarse state. */
  public Future<List<Job>> findActive(SqlClient client, String backend, State state) {
    return query(
        client,
        "SELECT "
            + JobRows.COLUMNS
            + " FROM job WHERE state = #{state} AND backend = #{backend} ORDER BY created_at, id",
        Map.of("state", state.value(), "backend", backend));
  }

  /**
   * The latest non-cancelled job of each action (not {@code __error__}) in a backend and workspace,
   * "latest" being the highest {@code (created_at, id)}. Computed in the database, so a create
   * reads one row per action rather than the workspace's whole history.
   */
  private static final String LATEST_IDS =
      "SELECT id FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY action"
          + " ORDER BY created_at DESC, id DESC) AS rn FROM job"
          + " WHERE backend = #{backend} AND workspace = #{workspace}"
          + " AND cancelled = 0 AND action <> '__error__') latest WHERE rn = 1";

  /**
   * The workspace state: the latest job (by {@code created_at}, then id) of each action in a
   * backend and workspace, ignoring cancelled jobs and the legacy {@code __error__} action; in
   * order of those jobs' creation.
   */
  public Future<Map<String, Job>> latestPerAction(
      SqlClient client, String backend, String workspace) {
    return query(
            client,
            "SELECT "
                + JobRows.COLUMNS
                + " FROM job WHERE id IN ("
                + LATEST_IDS
                + ") ORDER BY created_at, id",
            Map.of("backend", backend, "workspace", workspace))
        .map(
            jobs -> {
              Map<String, Job> latest = new LinkedHashMap<>();
              for (Job j : jobs) {
                latest.put(j.action(), j);
              }
              return latest;
            });
  }

  /**
   * The ids of {@link #latestPerAction}, by action: a narrow read for checking that the workspace
   * state is still the one a plan was made against.
   */
  public Future<Map<String, String>> latestIdPerAction(
      SqlClient client, String backend, String workspace) {
    return SqlTemplate.forQuery(
            client, "SELECT id, action FROM job WHERE id IN (" + LATEST_IDS + ")")
        .execute(Map.of("backend", backend, "workspace", workspace))
        .map(
            rows -> {
              Map<String, String> out = new HashMap<>();
              for (Row r : rows) {
                out.put(r.getString(1), r.getString(0));
              }
              return out;
            });
  }

  /** Coarse states of the given jobs; unknown ids are absent. */
  public Future<Map<String, State>> statesOf(SqlClient client, Collection<String> ids) {
    Map<String, Object> p = new HashMap<>();
    String in = Sql.in("i", ids, p);
    return SqlTemplate.forQuery(client, "SELECT id, state FROM job WHERE id IN " + in)
        .execute(p)
        .map(
            rows -> {
              Map<String, State> out = new HashMap<>();
              for (Row r : rows) {
                out.put(r.getString("id"), State.fromValue(r.getString("state")));
              }
              return out;
            });
  }

  /**
   * Writes the status columns of {@code job} if the row still has {@code expectedCode} (never
   * {@code cancelled}, nor a cancel request's {@code completed_at}); whether the row was updated.
   */
  public Future<Boolean> updateStatus(SqlClient client, Job job, StatusCode expectedCode) {
    return SqlTemplate.forQuery(client, JobRows.UPDATE_STATUS + " RETURNING id")
        .execute(JobRows.statusParams(job, expectedCode))
        .map(rows -> rows.size() == 1);
  }

  /** {@link #updateStatus} for many jobs in one batch (rows whose code moved on are left alone). */
  public Future<Void> updateStatusBatch(
      SqlClient client, List<Job> jobs, List<StatusCode> expectedCodes) {
    if (jobs.isEmpty()) {
      return Future.succeededFuture();
    }
    List<Map<String, Object>> batch = new ArrayList<>(jobs.size());
    for (int i = 0; i < jobs.size(); i++) {
      batch.add(JobRows.statusParams(jobs.get(i), expectedCodes.get(i)));
    }
    return SqlTemplate.forUpdate(client, JobRows.UPDATE_STATUS).executeBatch(batch).mapEmpty();
  }

  /**
   * The id of the latest non-cancelled job of each of {@code actions} in a backend and workspace
   * (the workspace state rule, for a RUNJOB definition's {@code input_job_ids}).
   */
  public Future<Map<String, String>> latestJobIdPerAction(
      SqlClient client, String backend, String workspace, Collection<String> actions) {
    if (actions.isEmpty()) {
      return Future.succeededFuture(Map.of());
    }
    Map<String, Object> p = new HashMap<>();
    p.put("backend", backend);
    p.put("workspace", workspace);
    String in = Sql.in("a", actions, p);
    return SqlTemplate.forQuery(
            client,
            "SELECT id, action FROM job WHERE backend = #{backend} AND workspace = #{workspace}"
                + " AND cancelled = 0 AND action <> '__error__' AND action IN "
                + in
                + " ORDER BY created_at, id")
        .execute(p)
        .map(
            rows -> {
              Map<String, String> latest = new HashMap<>();
              for (Row r : rows) {
                latest.put(r.getString("action"), r.getString("id"));
              }
              return latest;
            });
  }

  /**
   * The 60-second keep-alive: {@code updated_at = now} for at most {@code limit} active jobs
   * updated {@code refreshSeconds} ago or more, oldest first (found through index {@code
   * job_active_updated}, then updated by id and re-checked); returns how many.
   */
  public Future<Integer> touchOldestStale(
      SqlClient client, long nowSeconds, long refreshSeconds, int limit) {
    Map<String, Object> p = new HashMap<>();
    p.put("now", nowSeconds);
    p.put("cutoff", nowSeconds - refreshSeconds);
    String active = "state IN ('pending', 'running') AND updated_at <= #{cutoff}";
    return SqlTemplate.forQuery(
            client,
            "SELECT id FROM job WHERE " + active + " ORDER BY updated_at, id LIMIT " + limit)
        .execute(p)
        .compose(
            rows -> {
              List<String> ids = new ArrayList<>(rows.size());
              rows.forEach(r -> ids.add(r.getString(0)));
              return ids.isEmpty()
                  ? Future.succeededFuture(0)
                  : SqlTemplate.forUpdate(
                          client,
                          "UPDATE job SET updated_at = #{now} WHERE id IN "
                              + Sql.in("i", ids, p)
                              + " AND "
                              + active)
                      .execute(p)
                      .map(SqlResult::rowCount);
            });
  }

  /**
   * Marks the not-yet-final jobs of these actions in a RAP cancelled, with {@code completed_at}.
   *
   * @return the ids of the jobs marked
   */
  public Future<List<String>> markCancelled(
      SqlClient client, String rapId, Collection<String> actions, long nowSeconds) {
    Map<String, Object> p = new HashMap<>();
    p.put("rap_id", rapId);
    p.put("now", nowSeconds);
    String in = Sql.in("a", actions, p);
    return SqlTemplate.forQuery(
            client,
            "UPDATE job SET cancelled = 1, completed_at = #{now} WHERE rap_id = #{rap_id}"
                + " AND action IN "
                + in
                + " AND cancelled = 0 AND state IN ('pending', 'running') RETURNING id")
        .execute(p)
        .map(
            rows -> {
              List<String> ids = new ArrayList<>();
              rows.forEach(r -> ids.add(r.getString("id")));
              return ids;
            });
  }

  /**
   * {@code rap/status/} reports a job's metrics from its latest RUNJOB task's results: the job row
   * keeps a copy ({@code job.metrics}, the {@code job_metrics} object or NULL), written in the
   * transaction that stores the task's results so that status reads one table. Does nothing for
   * tasks of other types and for a RUNJOB task that a later attempt replaced.
   */
  public Future<Void> copyMetricsOfTask(SqlClient client, String taskId, JsonObject results) {
    Object metrics = results == null ? null : results.getValue("job_metrics");
    Map<String, Object> p = new HashMap<>();
    p.put("id", taskId);
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

  /** A new attempt has no results yet: the job's metrics are its new task's (none). */
  public Future<Void> clearMetrics(SqlClient client, String id) {
    return SqlTemplate.forUpdate(client, "UPDATE job SET metrics = NULL WHERE id = #{id}")
        .execute(Map.of("id", id))
        .mapEmpty();
  }

  /** Counts one more scheduler failure on a job and returns the new count. */
  public Future<Integer> recordLoopError(SqlClient client, String id, String error) {
    return SqlTemplate.forQuery(
            client,
            "UPDATE job SET loop_errors = loop_errors + 1, last_loop_error = #{error}"
                + " WHERE id = #{id} RETURNING loop_errors")
        .execute(Map.of("id", id, "error", error))
        .map(rows -> rows.size() == 0 ? 0 : rows.iterator().next().getInteger("loop_errors"));
  }

  public Future<Void> clearLoopErrors(SqlClient client, String id) {
    return SqlTemplate.forUpdate(
            client,
            "UPDATE job SET loop_errors = 0, last_loop_error = NULL"
                + " WHERE id = #{id} AND loop_errors <> 0")
        .execute(Map.of("id", id))
        .mapEmpty();
  }

  private Future<List<Job>> query(SqlClient client, String sql, Map<String, Object> params) {
    return SqlTemplate.forQuery(client, sql).execute(params).map(JobRepository::toJobs);
  }

  private static List<Job> toJobs(RowSet<Row> rows) {
    List<Job> out = new ArrayList<>(rows.size());
    for (Row r : rows) {
      out.add(JobRows.toJob(r));
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------------
  // Operator page (read-only; org.rap.controller.ops). States are inlined as literals so both
  // databases can use the partial indexes (job_active_state, job_failed_completed).

  /** Active jobs of one backend, state and status code: how many, and the oldest creation time. */
  public record ActiveGroup(
      String backend, State state, StatusCode statusCode, long count, long oldestCreatedAt) {}

  public Future<List<ActiveGroup>> activeGroups(SqlClient client) {
    return SqlTemplate.forQuery(
            client,
            "SELECT backend, state, status_code, COUNT(*) AS n, MIN(created_at) AS oldest FROM job"
                + " WHERE state IN ('pending', 'running') GROUP BY backend, state, status_code"
                + " ORDER BY backend, state, status_code")
        .execute(Map.of())
        .map(
            rows -> {
              List<ActiveGroup> out = new ArrayList<>();
              for (Row r : rows) {
                out.add(
                    new ActiveGroup(
                        r.getString("backend"),
                        State.fromValue(r.getString("state")),
                        StatusCode.fromValue(r.getString("status_code")),
                        r.getLong("n"),
                        r.getLong("oldest")));
              }
              return out;
            });
  }

  /** The oldest {@code limit} jobs in an active state (pending or running), oldest first. */
  public Future<List<Job>> oldestActive(SqlClient client, State state, int limit) {
    if (state != State.PENDING && state != State.RUNNING) {
      throw new IllegalArgumentException("not an active state: " + state);
    }
    return query(
        client,
        "SELECT "
            + JobRows.COLUMNS
            + " FROM job WHERE state = '"
            + state.value()
            + "'"
            + " ORDER BY created_at, id LIMIT "
            + Math.max(0, limit),
        Map.of());
  }

  /** The {@code limit} most recently completed failed jobs, newest first. */
  public Future<List<Job>> recentFailures(SqlClient client, int limit) {
    return query(
        client,
        "SELECT "
            + JobRows.COLUMNS
            + " FROM job WHERE state = 'failed' AND completed_at IS NOT NULL"
            + " ORDER BY completed_at DESC, id DESC LIMIT "
            + Math.max(0, limit),
        Map.of());
  }

  /** When a job was created, started and finished (seconds), for the operator page's timelines. */
  public record Life(
      String backend, boolean requiresDb, long createdAt, Long startedAt, Long completedAt) {}

  /** The lives of the jobs active now or finished since {@code sinceSeconds}. */
  public Future<List<Life>> livesSince(SqlClient client, long sinceSeconds) {
    return SqlTemplate.forQuery(
            client,
            "SELECT backend, requires_db, created_at, started_at, completed_at FROM job"
                + " WHERE state IN ('pending', 'running') OR completed_at >= #{since}")
        .execute(Map.of("since", sinceSeconds))
        .map(
            rows -> {
              List<Life> out = new ArrayList<>();
              for (Row r : rows) {
                out.add(
                    new Life(
                        r.getString("backend"),
                        Rows.bool(r, "requires_db"),
                        r.getLong("created_at"),
                        r.getLong("started_at"),
                        r.getLong("completed_at")));
              }
              return out;
            });
  }
}
