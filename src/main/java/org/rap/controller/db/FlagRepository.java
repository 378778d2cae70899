package org.rap.controller.db;

import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.templates.SqlTemplate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.rap.common.model.Flag;
import org.rap.common.model.Timestamps;

/**
 * SQL for the {@code flags} table: upsert semantics, setting the current value is a no-op, and a
 * cleared flag keeps its row and timestamp.
 */
public final class FlagRepository {

  public Future<Optional<Flag>> get(SqlClient client, String backend, String id) {
    return SqlTemplate.forQuery(
            client,
            "SELECT id, value, backend, timestamp_us FROM flags"
                + " WHERE backend = #{backend} AND id = #{id}")
        .execute(Map.of("backend", backend, "id", id))
        .map(
            rows ->
                rows.size() == 0 ? Optional.empty() : Optional.of(toFlag(rows.iterator().next())));
  }

  /** The flag, or a never-set placeholder. */
  public Future<Flag> getOrUnset(SqlClient client, String backend, String id) {
    return get(client, backend, id).map(f -> f.orElse(new Flag(id, null, backend, null)));
  }

  public Future<List<Flag>> all(SqlClient client, String backend) {
    return SqlTemplate.forQuery(
            client,
            "SELECT id, value, backend, timestamp_us FROM flags WHERE backend = #{backend}"
                + " ORDER BY id")
        .execute(Map.of("backend", backend))
        .map(
            rows -> {
              List<Flag> out = new ArrayList<>();
              rows.forEach(r -> out.add(toFlag(r)));
              return out;
            });
  }

  /** Every flag of every backend, in one query (the scheduler reads them once per pass). */
  public Future<List<Flag>> everyBackend(SqlClient client) {
    return SqlTemplate.forQuery(client, "SELECT id, value, backend, timestamp_us FROM flags")
        .execute(Map.of())
        .map(
            rows -> {
              List<Flag> out = new ArrayList<>();
              rows.forEach(r -> out.add(toFlag(r)));
              return out;
            });
  }

  /** Sets (or with null clears) a flag; returns the flag as stored afterwards. */
  public Future<Flag> set(SqlClient client, String backend, String id, String value) {
    return set(client, backend, id, value, Timestamps.nowMicros());
  }

  public Future<Flag> set(
      SqlClient client, String backend, String id, String value, long nowMicros) {
    return get(client, backend, id)
        .compose(
            current -> {
              if (current.isPresent() && Objects.equals(current.get().value(), value)) {
                return Future.succeededFuture(current.get());
              }
              return stamp(client, backend, id, value, nowMicros)
                  .map(ignored -> new Flag(id, value, backend, nowMicros));
            });
  }

  /** Sets a flag unconditionally, bumping its timestamp even when unchanged (last-seen-at). */
  public Future<Void> stamp(
      SqlClient client, String backend, String id, String value, long nowMicros) {
    Map<String, Object> p = new HashMap<>();
    p.put("id", id);
    p.put("backend", backend);
    p.put("value", value);
    p.put("ts", nowMicros);
    return SqlTemplate.forUpdate(
            client,
            "INSERT INTO flags (id, value, backend, timestamp_us)"
                + " VALUES (#{id}, #{value}, #{backend}, #{ts})"
                + " ON CONFLICT (id, backend) DO UPDATE SET value = excluded.value,"
                + " timestamp_us = excluded.timestamp_us")
        .execute(p)
        .mapEmpty();
  }

  private static Flag toFlag(Row r) {
    return new Flag(
        r.getString("id"), r.getString("value"), r.getString("backend"), r.getLong("timestamp_us"));
  }
}
