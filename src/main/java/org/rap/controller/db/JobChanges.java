package org.rap.controller.db;

import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.templates.SqlTemplate;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * SQL for the {@code job_changes} table: the ids of jobs whose scheduling facts changed, recorded
 * by triggers on {@code job} and {@code tasks} whichever process wrote them (migration V10/V11): a
 * job created or deleted, its state, code or cancel request changed, its RUNJOB task created or
 * reported on. The scheduler reads only those jobs again on each pass.
 */
public final class JobChanges {
  /**
   * Takes the recorded ids, removing them. Only the scheduler holding the loop lock calls this; a
   * change committed while it runs stays for the next call.
   */
  public Future<Set<String>> take(SqlClient client) {
    return SqlTemplate.forQuery(client, "DELETE FROM job_changes RETURNING job_id")
        .execute(Map.of())
        .map(
            rows -> {
              Set<String> out = new LinkedHashSet<>(rows.size() * 2);
              for (Row r : rows) {
                out.add(r.getString(0));
              }
              return out;
            });
  }
}
