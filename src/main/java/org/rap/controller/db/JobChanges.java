package org.rap.controller.db;

import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.templates.SqlTemplate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.rap.common.model.State;
import org.rap.common.model.StatusCode;

/**
 * SQL for the {@code job_changes} table: the ids of jobs whose scheduling facts changed, recorded
 * by triggers on {@code job} and {@code tasks} whichever process wrote them (migration V10/V11): a
 * job created or deleted, its state, code or cancel request changed, its RUNJOB task created or
 * reported on. The scheduler reads only those jobs again on each pass.
 */
public final class JobChanges {
  /**
   * One recorded change: for a job row inserted or updated, its new state, code and cancel request;
   * all null for a deletion or a change of the job's RUNJOB task.
   */
  public record Change(String jobId, State state, StatusCode statusCode, Boolean cancelled) {}

  /**
   * Takes the recorded changes, oldest first, removing them. Only the scheduler holding the loop
   * lock calls this; a change committed while it runs stays for the next call.
   */
  public Future<List<Change>> take(SqlClient client) {
    return SqlTemplate.forQuery(
            client, "DELETE FROM job_changes RETURNING job_id, state, status_code, cancelled")
        .execute(Map.of())
        .map(
            rows -> {
              List<Change> out = new ArrayList<>(rows.size());
              for (Row r : rows) {
                String state = r.getString(1);
                String code = r.getString(2);
                Integer cancelled = r.getInteger(3);
                out.add(
                    new Change(
                        r.getString(0),
                        state == null ? null : State.fromValue(state),
                        code == null ? null : StatusCode.fromValue(code),
                        cancelled == null ? null : cancelled != 0));
              }
              return out;
            });
  }
}
