package org.rap.controller.db;

import io.vertx.sqlclient.Row;
import java.util.HashMap;
import java.util.Map;
import org.rap.common.json.Jsons;
import org.rap.common.model.Job;
import org.rap.common.model.JobSpec;
import org.rap.common.model.JobStatus;
import org.rap.common.model.State;
import org.rap.common.model.StatusCode;

/** How a {@link Job} maps to the columns of the {@code job} table and back. */
final class JobRows {
  static final String COLUMNS =
      "id, rap_id, state, repo_url, commit_sha, workspace, database_name, action, action_repo_url,"
          + " action_commit, requires_outputs_from, wait_for_job_ids, run_command, output_spec,"
          + " status_message, status_code, cancelled, created_at, updated_at, started_at,"
          + " completed_at, trace_context, status_code_updated_at, requires_db, backend, branch,"
          + " created_by, project, orgs, analysis_scope";

  /** The status columns, in the order {@link #status(Row, int)} reads them. */
  static final String STATUS_COLUMNS =
      "state, status_code, status_message, cancelled, updated_at, started_at, completed_at,"
          + " status_code_updated_at";

  /** Sets the status columns from {@link #statusParams}, if the row still has the expected code. */
  static final String UPDATE_STATUS =
      "UPDATE job SET state = #{state}, status_code = #{status_code},"
          + " status_message = #{status_message}, updated_at = #{updated_at},"
          + " started_at = #{started_at},"
          + " completed_at = COALESCE(#{completed_at}, completed_at),"
          + " status_code_updated_at = #{status_code_updated_at}"
          + " WHERE id = #{id} AND status_code = #{expected_code}";

  private JobRows() {}

  static Job toJob(Row r) {
    String trace = r.getString("trace_context");
    JobSpec spec =
        new JobSpec(
            r.getString("id"),
            r.getString("rap_id"),
            r.getString("backend"),
            r.getString("workspace"),
            r.getString("action"),
            r.getLong("created_at"),
            new JobSpec.Source(
                r.getString("repo_url"),
                r.getString("commit_sha"),
                r.getString("branch"),
                r.getString("action_repo_url"),
                r.getString("action_commit")),
            new JobSpec.Run(
                r.getString("run_command"),
                Jsons.outputSpec(r.getString("output_spec")),
                Rows.bool(r, "requires_db"),
                r.getString("database_name"),
                Jsons.map(r.getString("analysis_scope"))),
            new JobSpec.Needs(
                Jsons.stringList(r.getString("requires_outputs_from")),
                Jsons.stringList(r.getString("wait_for_job_ids"))),
            new JobSpec.Origin(
                r.getString("created_by"),
                r.getString("project"),
                Jsons.stringList(r.getString("orgs")),
                trace == null ? Map.of() : Jsons.stringMap(trace)));
    JobStatus status =
        new JobStatus(
            State.fromValue(r.getString("state")),
            StatusCode.fromValue(r.getString("status_code")),
            r.getString("status_message"),
            Rows.bool(r, "cancelled"),
            r.getLong("updated_at"),
            r.getLong("started_at"),
            r.getLong("completed_at"),
            r.getLong("status_code_updated_at"));
    return new Job(spec, status);
  }

  /**
   * The status columns read by position from {@code first} on ({@link #STATUS_COLUMNS}): this runs
   * for every active job on every scheduler pass.
   */
  static JobStatus status(Row r, int first) {
    Integer cancelled = r.getInteger(first + 3);
    return new JobStatus(
        State.fromValue(r.getString(first)),
        StatusCode.fromValue(r.getString(first + 1)),
        r.getString(first + 2),
        cancelled != null && cancelled != 0,
        r.getLong(first + 4),
        r.getLong(first + 5),
        r.getLong(first + 6),
        r.getLong(first + 7));
  }

  /** Parameters of {@link #UPDATE_STATUS}. */
  static Map<String, Object> statusParams(Job job, StatusCode expectedCode) {
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
    return p;
  }

  /** Parameters of an insert of every column. */
  static Map<String, Object> insertParams(Job job) {
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
}
