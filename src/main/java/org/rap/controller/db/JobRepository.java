package org.rap.controller.db;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.SqlResult;
import io.vertx.sqlclient.templates.SqlTemplate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.rap.common.json.Jsons;
import org.rap.common.model.Job;
import org.rap.common.model.State;
import org.rap.common.model.StatusCode;

/** SQL for the {@code job} table. Every method takes the client to run on (pool or transaction). */
public final class JobRepository {
  static final String COLUMNS =
      "id, rap_id, state, repo_url, commit_sha, workspace, database_name, action, action_repo_url,"
          + " action_commit, requires_outputs_from, wait_for_job_ids, run_command, output_spec,"
          + " status_message, status_code, cancelled, created_at, updated_at, started_at,"
          + " completed_at, trace_context, status_code_updated_at, requires_db, backend, branch,"
          + " created_by, project, orgs, analysis_scope";

  private static final String INSERT =
      "INSERT INTO job ("
          + COLUMNS
          + ") VALUES (#{id}, #{rap_id}, #{state}, #{repo_url}, #{commit_sha}, #{workspace},"
          + " #{database_name}, #{action}, #{action_repo_url}, #{action_commit},"
          + " #{requires_outputs_from}, #{wait_for_job_ids}, #{run_command}, #{output_spec},"
          + " #{status_message}, #{status_code}, #{cancelled}, #{created_at}, #{updated_at},"
          + " #{started_at}, #{completed_at}, #{trace_context}, #{status_code_updated_at},"
          + " #{requires_db}, #{backend}, #{branch}, #{created_by}, #{project}, #{orgs},"
          + " #{analysis_scope})";

  /** Bound on {@link #rememberInserted} entries nobody took (e.g. no scheduler in this process). */
  static final int REMEMBERED_MAX = 1024;

  /**
   * Jobs this process inserted and committed, by id, until the scheduler takes them: a job's
   * columns other than its status never change after insert, so the scheduler's first pass over a
   * just-created job need not read it back (its status columns are read as for every job).
   */
  private final Map<String, Job> inserted =
      Collections.synchronizedMap(
          new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Job> eldest) {
              return size() > REMEMBERED_MAX;
            }
          });

  /** Remembers jobs whose insert has been committed (see {@link #takeInserted}). */
  public void rememberInserted(Collection<Job> jobs) {
    for (Job j : jobs) {
      inserted.put(j.id(), j);
    }
  }

  /** A job remembered by {@link #rememberInserted}, forgotten once taken; null when unknown. */
  public Job takeInserted(String id) {
    return inserted.remove(id);
  }

  /** Inserts all jobs; the caller provides the transaction. */
  public Future<Void> insertAll(SqlClient client, List<Job> jobs) {
    if (jobs.isEmpty()) {
      return Future.succeededFuture();
    }
    List<Map<String, Object>> batch = new ArrayList<>(jobs.size());
    for (Job job : jobs) {
      batch.add(params(job));
    }
    return SqlTemplate.forUpdate(client, INSERT).executeBatch(batch).mapEmpty();
  }

  public Future<Optional<Job>> findById(SqlClient client, String id) {
    return query(client, "SELECT " + COLUMNS + " FROM job WHERE id = #{id}", Map.of("id", id))
        .map(list -> list.stream().findFirst());
  }

  public Future<List<Job>> findByIds(SqlClient client, Collection<String> ids) {
    Map<String, Object> p = new HashMap<>();
    String in = Sql.in("i", ids, p);
    return query(client, "SELECT " + COLUMNS + " FROM job WHERE id IN " + in, p);
  }

  /** Jobs of the given RAPs, ordered by creation. */
  public Future<List<Job>> findByRapIds(SqlClient client, Collection<String> rapIds) {
    Map<String, Object> p = new HashMap<>();
    String in = Sql.in("r", rapIds, p);
    return query(
        client,
        "SELECT " + COLUMNS + " FROM job WHERE rap_id IN " + in + " ORDER BY created_at, id",
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

  /**
   * RAP status job objects rendered by the database.
   *
   * @param jobs the job objects as UTF-8 JSON, comma-separated (no brackets; empty when none)
   * @param rapIds the distinct rap ids among them
   */
  public record StatusDocuments(Buffer jobs, Collection<String> rapIds) {
    static StatusDocuments none() {
      return new StatusDocuments(Buffer.buffer(), List.of());
    }
  }

  /**
   * The RAP status job objects (docs/spec/rap-api.md section 8.3: exactly 15 keys, documented
   * timestamp format, {@code metrics} from the latest RUNJOB task) of the jobs of these RAPs in
   * these backends. SQLite renders and aggregates them in one query returning one row (decoding
   * thousands of rows through the JDBC client costs far more than one text value); on PostgreSQL
   * the reactive client decodes plain columns cheaply and {@link StatusDocumentWriter} renders them
   * (cheaper than {@code json_build_object} and {@code to_char} in the database).
   */
  public Future<StatusDocuments> statusDocuments(
      SqlClient client, boolean sqlite, Collection<String> rapIds, Collection<String> backends) {
    if (rapIds.isEmpty() || backends.isEmpty()) {
      return Future.succeededFuture(StatusDocuments.none());
    }
    Map<String, Object> p = new HashMap<>();
    if (sqlite) {
      p.put("rap_ids", Jsons.text(List.copyOf(rapIds)));
      p.put("backends", Jsons.text(List.copyOf(backends)));
    } else {
      p.put("rap_ids", rapIds.toArray(new String[0]));
      p.put("backends", backends.toArray(new String[0]));
    }
    if (!sqlite) {
      return SqlTemplate.forQuery(client, STATUS_PG_ROWS)
          .execute(p)
          .map(
              rows -> {
                StatusDocumentWriter w = new StatusDocumentWriter(rows.size());
                for (Row r : rows) {
                  w.add(r);
                }
                return w.finish();
              });
    }
    // the documents as UTF-8 bytes (a BLOB): no decoding to a Java string and encoding back
    String sql =
        "SELECT CAST(group_concat(doc, ',') AS BLOB) AS jobs,"
            + " json_group_array(DISTINCT rap_id) AS rap_ids FROM ("
            + STATUS_SQLITE
            + ")";
    return SqlTemplate.forQuery(client, sql)
        .execute(p)
        .map(
            rows -> {
              if (rows.size() == 0) {
                return StatusDocuments.none();
              }
              Row r = rows.iterator().next();
              Buffer jobs = r.getBuffer("jobs");
              return jobs == null
                  ? StatusDocuments.none()
                  : new StatusDocuments(jobs, Jsons.stringList(r.getString("rap_ids")));
            });
  }

  private static final String STATUS_SQLITE =
      "SELECT j.rap_id AS rap_id, json_object("
          + "'identifier', j.id, 'rap_id', j.rap_id, 'backend', j.backend,"
          + " 'action', COALESCE(j.action, ''), 'run_command', COALESCE(j.run_command, ''),"
          + " 'status', j.state, 'status_code', j.status_code,"
          + " 'status_message', COALESCE(j.status_message, ''),"
          + " 'created_at', strftime('%Y-%m-%dT%H:%M:%SZ', j.created_at, 'unixepoch'),"
          + " 'updated_at', strftime('%Y-%m-%dT%H:%M:%SZ', j.updated_at, 'unixepoch'),"
          + " 'started_at', strftime('%Y-%m-%dT%H:%M:%SZ', j.started_at, 'unixepoch'),"
          + " 'completed_at', strftime('%Y-%m-%dT%H:%M:%SZ', j.completed_at, 'unixepoch'),"
          + " 'trace_context', json(COALESCE(j.trace_context, '{}')),"
          + " 'metrics', json(COALESCE(j.metrics, '{}')),"
          + " 'requires_db', json(CASE WHEN j.requires_db = 1 THEN 'true' ELSE 'false' END)) AS doc"
          + " FROM job j WHERE j.rap_id IN (SELECT value FROM json_each(#{rap_ids}))"
          + " AND j.backend IN (SELECT value FROM json_each(#{backends}))";

  /**
   * PostgreSQL: the plain columns, rendered by {@link StatusDocumentWriter} (in this order). {@code
   * trace_context} goes through {@code json} so that only valid JSON reaches the writer; {@code
   * metrics} is written from a parsed object (TaskRepository.copyMetricsToJob).
   */
  private static final String STATUS_PG_ROWS =
      "SELECT j.id, j.rap_id, j.backend, j.action, j.run_command, j.state, j.status_code,"
          + " j.status_message, j.created_at, j.updated_at, j.started_at, j.completed_at,"
          + " CASE WHEN json_typeof(j.trace_context::json) = 'object' THEN j.trace_context END,"
          + " j.metrics,"
          + " j.requires_db"
          + " FROM job j WHERE j.rap_id = ANY(#{rap_ids}) AND j.backend = ANY(#{backends})";

  /** Every pending or running job, across all backends. */
  public Future<List<Job>> findActive(SqlClient client) {
    return query(
        client, "SELECT " + COLUMNS + " FROM job WHERE state IN ('pending', 'running')", Map.of());
  }

  /**
   * The columns of an active job that can change after insert (status bookkeeping and the cancel
   * flag). The scheduler reads only these each pass and keeps the rest cached.
   */
  public record StatusRow(
      String id,
      State state,
      StatusCode statusCode,
      String statusMessage,
      boolean cancelled,
      Long updatedAt,
      Long startedAt,
      Long completedAt,
      long statusCodeUpdatedAt) {

    /** Whether {@code job} already carries exactly these status columns. */
    public boolean matches(Job job) {
      return job.state() == state
          && job.statusCode() == statusCode
          && job.cancelled() == cancelled
          && job.statusCodeUpdatedAt() == statusCodeUpdatedAt
          && Objects.equals(job.updatedAt(), updatedAt)
          && Objects.equals(job.startedAt(), startedAt)
          && Objects.equals(job.completedAt(), completedAt)
          && Objects.equals(job.statusMessage(), statusMessage);
    }

    /** {@code job} (same id) with these status columns. */
    public Job applyTo(Job job) {
      return new Job(
          job.id(),
          job.rapId(),
          state,
          job.repoUrl(),
          job.commit(),
          job.workspace(),
          job.databaseName(),
          job.action(),
          job.actionRepoUrl(),
          job.actionCommit(),
          job.requiresOutputsFrom(),
          job.waitForJobIds(),
          job.runCommand(),
          job.outputSpec(),
          statusMessage,
          statusCode,
          cancelled,
          job.createdAt(),
          updatedAt,
          startedAt,
          completedAt,
          job.traceContext(),
          statusCodeUpdatedAt,
          job.requiresDb(),
          job.backend(),
          job.branch(),
          job.user(),
          job.project(),
          job.orgs(),
          job.analysisScope());
    }
  }

  /** Status columns of every pending or running job (one narrow query per scheduler pass). */
  public Future<List<StatusRow>> findActiveStatus(SqlClient client) {
    return SqlTemplate.forQuery(
            client,
            "SELECT id, state, status_code, status_message, cancelled, updated_at, started_at,"
                + " completed_at, status_code_updated_at FROM job"
                + " WHERE state IN ('pending', 'running')")
        .execute(Map.of())
        .map(
            rows -> {
              List<StatusRow> out = new ArrayList<>(rows.size());
              for (Row r : rows) {
                // by position: this runs for every active job on every pass
                Integer cancelled = r.getInteger(4);
                out.add(
                    new StatusRow(
                        r.getString(0),
                        State.fromValue(r.getString(1)),
                        StatusCode.fromValue(r.getString(2)),
                        r.getString(3),
                        cancelled != null && cancelled != 0,
                        r.getLong(5),
                        r.getLong(6),
                        r.getLong(7),
                        r.getLong(8)));
              }
              return out;
            });
  }

  /** Active jobs of one backend in one coarse state. */
  public Future<List<Job>> findActive(SqlClient client, String backend, State state) {
    return query(
        client,
        "SELECT "
            + COLUMNS
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
                + COLUMNS
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
   * Writes the status columns of {@code job} if the row still has {@code expectedCode}. Never
   * touches {@code cancelled}, and never clears a {@code completed_at} set by a cancel request.
   *
   * @return whether the row was updated
   */
  public Future<Boolean> updateStatus(SqlClient client, Job job, StatusCode expectedCode) {
    Map<String, Object> p = new HashMap<>();
    p.put("id", job.id());
    p.put("state", job.state().value());
    p.put("status_code", job.statusCode().value());
    p.put("status_message", job.statusMessage());
    p.put("updated_at", job.updatedAt());
    p.put("started_at", job.startedAt());
    p.put("completed_at", job.completedAt());
    p.put("status_code_updated_at", job.statusCodeUpdatedAt());
    p.put("expected_code", expectedCode.value());
    return SqlTemplate.forQuery(
            client,
            "UPDATE job SET state = #{state}, status_code = #{status_code},"
                + " status_message = #{status_message}, updated_at = #{updated_at},"
                + " started_at = #{started_at},"
                + " completed_at = COALESCE(#{completed_at}, completed_at),"
                + " status_code_updated_at = #{status_code_updated_at}"
                + " WHERE id = #{id} AND status_code = #{expected_code} RETURNING id")
        .execute(p)
        .map(rows -> rows.size() == 1);
  }

  private static final String UPDATE_STATUS =
      "UPDATE job SET state = #{state}, status_code = #{status_code},"
          + " status_message = #{status_message}, updated_at = #{updated_at},"
          + " started_at = #{started_at},"
          + " completed_at = COALESCE(#{completed_at}, completed_at),"
          + " status_code_updated_at = #{status_code_updated_at}"
          + " WHERE id = #{id} AND status_code = #{expected_code}";

  /**
   * {@link #updateStatus} for many jobs in one batch (each conditional on its expected code; rows
   * whose code moved on are left alone).
   */
  public Future<Void> updateStatusBatch(
      SqlClient client, List<Job> jobs, List<StatusCode> expectedCodes) {
    if (jobs.isEmpty()) {
      return Future.succeededFuture();
    }
    List<Map<String, Object>> batch = new ArrayList<>(jobs.size());
    for (int i = 0; i < jobs.size(); i++) {
      Job job = jobs.get(i);
      Map<String, Object> p = new HashMap<>();
      p.put("id", job.id());
      p.put("state", job.state().value());
      p.put("status_code", job.statusCode().value());
      p.put("status_message", job.statusMessage());
      p.put("updated_at", job.updatedAt());
      p.put("started_at", job.startedAt());
      p.put("completed_at", job.completedAt());
      p.put("status_code_updated_at", job.statusCodeUpdatedAt());
      p.put("expected_code", expectedCodes.get(i).value());
      batch.add(p);
    }
    return SqlTemplate.forUpdate(client, UPDATE_STATUS).executeBatch(batch).mapEmpty();
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
   * The 60-second keep-alive for these active jobs: {@code updated_at = now} where it is at least
   * {@code refreshSeconds} old (re-checked here, so a concurrent status change is never undone).
   *
   * @return how many jobs were refreshed
   */
  public Future<Integer> touchStale(
      SqlClient client, Collection<String> ids, long nowSeconds, long refreshSeconds) {
    if (ids.isEmpty()) {
      return Future.succeededFuture(0);
    }
    Map<String, Object> p = new HashMap<>();
    p.put("now", nowSeconds);
    p.put("cutoff", nowSeconds - refreshSeconds);
    String in = Sql.in("id", ids, p);
    return SqlTemplate.forUpdate(
            client,
            "UPDATE job SET updated_at = #{now} WHERE id IN "
                + in
                + " AND state IN ('pending', 'running')"
                + " AND (updated_at IS NULL OR updated_at <= #{cutoff})")
        .execute(p)
        .map(SqlResult::rowCount);
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
      out.add(toJob(r));
    }
    return out;
  }

  static Job toJob(Row r) {
    String trace = r.getString("trace_context");
    return new Job(
        r.getString("id"),
        r.getString("rap_id"),
        State.fromValue(r.getString("state")),
        r.getString("repo_url"),
        r.getString("commit_sha"),
        r.getString("workspace"),
        r.getString("database_name"),
        r.getString("action"),
        r.getString("action_repo_url"),
        r.getString("action_commit"),
        Jsons.stringList(r.getString("requires_outputs_from")),
        Jsons.stringList(r.getString("wait_for_job_ids")),
        r.getString("run_command"),
        Jsons.outputSpec(r.getString("output_spec")),
        r.getString("status_message"),
        StatusCode.fromValue(r.getString("status_code")),
        Rows.bool(r, "cancelled"),
        r.getLong("created_at"),
        r.getLong("updated_at"),
        r.getLong("started_at"),
        r.getLong("completed_at"),
        trace == null ? Map.of() : Jsons.stringMap(trace),
        r.getLong("status_code_updated_at"),
        Rows.bool(r, "requires_db"),
        r.getString("backend"),
        r.getString("branch"),
        r.getString("created_by"),
        r.getString("project"),
        Jsons.stringList(r.getString("orgs")),
        Jsons.map(r.getString("analysis_scope")));
  }

  private static Map<String, Object> params(Job job) {
    Map<String, Object> p = new HashMap<>();
    p.put("id", job.id());
    p.put("rap_id", job.rapId());
    p.put("state", job.state().value());
    p.put("repo_url", job.repoUrl());
    p.put("commit_sha", job.commit());
    p.put("workspace", job.workspace());
    p.put("database_name", job.databaseName());
    p.put("action", job.action());
    p.put("action_repo_url", job.actionRepoUrl());
    p.put("action_commit", job.actionCommit());
    p.put("requires_outputs_from", Jsons.text(job.requiresOutputsFrom()));
    p.put("wait_for_job_ids", Jsons.text(job.waitForJobIds()));
    p.put("run_command", job.runCommand());
    p.put("output_spec", Jsons.text(job.outputSpec()));
    p.put("status_message", job.statusMessage());
    p.put("status_code", job.statusCode().value());
    p.put("cancelled", Rows.flag(job.cancelled()));
    p.put("created_at", job.createdAt());
    p.put("updated_at", job.updatedAt());
    p.put("started_at", job.startedAt());
    p.put("completed_at", job.completedAt());
    p.put("trace_context", job.traceContext().isEmpty() ? null : Jsons.text(job.traceContext()));
    p.put("status_code_updated_at", job.statusCodeUpdatedAt());
    p.put("requires_db", Rows.flag(job.requiresDb()));
    p.put("backend", job.backend());
    p.put("branch", job.branch());
    p.put("created_by", job.user());
    p.put("project", job.project());
    p.put("orgs", Jsons.text(job.orgs()));
    p.put("analysis_scope", Jsons.text(job.analysisScope()));
    return p;
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
            + COLUMNS
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
            + COLUMNS
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
