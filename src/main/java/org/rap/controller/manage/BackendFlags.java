package org.rap.controller.manage;

import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.rap.common.model.Flag;
import org.rap.controller.db.Database;
import org.rap.controller.db.FlagRepository;
import org.rap.controller.scheduler.Flags;

/**
 * Flag commands (docs/spec/operations.md sections 5.1, 5.2, 5.4): {@code pause}, {@code
 * db-maintenance}, {@code flags get|set}. Each returns the resulting flags in print order; setting
 * a flag to its current value changes nothing (timestamp kept). A running scheduler in another
 * process sees the change at its next pass.
 */
public final class BackendFlags {
  private final Database db;
  private final FlagRepository flags;

  public BackendFlags(Database db, FlagRepository flags) {
    this.db = db;
    this.flags = flags;
  }

  public Future<List<Flag>> pause(String backend, boolean on) {
    return setAll(backend, new String[][] {{Flags.PAUSED, on ? "true" : null}});
  }

  public Future<List<Flag>> dbMaintenance(String backend, boolean on, boolean disableChecks) {
    return setAll(
        backend,
        new String[][] {
          {Flags.MODE, on ? Flags.DB_MAINTENANCE : null},
          {Flags.MANUAL_DB_MAINTENANCE, on ? "on" : null},
          {Flags.CHECKS_DISABLED, on && disableChecks ? "true" : null}
        });
  }

  /** The named flags (unknown ones as never set), or every flag of the backend. */
  public Future<List<Flag>> get(String backend, List<String> ids) {
    if (ids.isEmpty()) {
      return flags.all(db.pool(), backend);
    }
    List<Future<Flag>> each = new ArrayList<>();
    for (String id : ids) {
      each.add(flags.getOrUnset(db.pool(), backend, id));
    }
    return Future.all(each).map(all -> each.stream().map(Future::result).toList());
  }

  /** Sets each flag in order; an empty value clears it. */
  public Future<List<Flag>> set(String backend, Map<String, String> values) {
    String[][] pairs = new String[values.size()][];
    int i = 0;
    for (Map.Entry<String, String> e : values.entrySet()) {
      pairs[i++] =
          new String[] {
            e.getKey(), e.getValue() == null || e.getValue().isEmpty() ? null : e.getValue()
          };
    }
    return setAll(backend, pairs);
  }

  private Future<List<Flag>> setAll(String backend, String[][] pairs) {
    return db.inTransaction(
        conn -> {
          List<Flag> out = new ArrayList<>();
          Future<Void> chain = Future.succeededFuture();
          for (String[] p : pairs) {
            chain =
                chain.compose(
                    v ->
                        flags
                            .set(conn, backend, p[0], p[1])
                            .map(
                                f -> {
                                  out.add(f);
                                  return (Void) null;
                                }));
          }
          return chain.map(v -> out);
        });
  }
}
