package org.rap.controller.db;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.templates.SqlTemplate;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.rap.common.json.Jsons;

/**
 * RAP status job objects (docs/spec/rap-api.md section 8.3: exactly 15 keys, documented timestamp
 * format, {@code metrics} from the latest RUNJOB task) rendered from the {@code job} table, read
 * through {@link JobRepository#statusDocuments}. SQLite renders and aggregates them in one query
 * returning one row (decoding thousands of rows through the JDBC client costs far more than one
 * text value); on PostgreSQL the reactive client decodes plain columns cheaply and {@link
 * StatusDocumentWriter} renders them (cheaper than {@code json_build_object} and {@code to_char} in
 * the database).
 *
 * @param jobs the job objects as UTF-8 JSON, comma-separated (no brackets; empty when none)
 * @param rapIds the distinct rap ids among them
 */
public record StatusDocuments(Buffer jobs, Collection<String> rapIds) {
  static StatusDocuments none() {
    return new StatusDocuments(Buffer.buffer(), List.of());
  }

  /** The documents of the jobs of these RAPs in these backends. */
  static Future<StatusDocuments> read(
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
   * metrics} is written from a parsed object (JobRepository.copyMetricsOfTask).
   */
  private static final String STATUS_PG_ROWS =
      "SELECT j.id, j.rap_id, j.backend, j.action, j.run_command, j.state, j.status_code,"
          + " j.status_message, j.created_at, j.updated_at, j.started_at, j.completed_at,"
          + " CASE WHEN json_typeof(j.trace_context::json) = 'object' THEN j.trace_context END,"
          + " j.metrics,"
          + " j.requires_db"
          + " FROM job j WHERE j.rap_id = ANY(#{rap_ids}) AND j.backend = ANY(#{backends})";
}
