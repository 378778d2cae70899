package org.rap.controller.db;

import io.vertx.core.Future;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.templates.SqlTemplate;
import java.util.Map;

/** PostgreSQL NOTIFY for cross-process controller events (no table). */
public final class EventNotifications {
  /** The channel name (lower case: PgSubscriber quotes channel names). */
  public static final String CHANNEL = "rap_events";

  public Future<Void> notify(SqlClient client, String payload) {
    return SqlTemplate.forQuery(client, "SELECT pg_notify('" + CHANNEL + "', #{payload})")
        .execute(Map.of("payload", payload))
        .mapEmpty();
  }
}
