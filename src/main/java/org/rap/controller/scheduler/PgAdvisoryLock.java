package org.rap.controller.scheduler;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnection;
import java.util.logging.Logger;
import org.rap.controller.db.DatabaseTarget;

/**
 * {@code pg_try_advisory_lock} held on a dedicated, non-pooled connection: the session holds the
 * lock, and PostgreSQL releases it when the session ends (process killed, connection lost). A
 * pooled connection would not do: closing it returns it to the pool with the lock still held.
 */
public final class PgAdvisoryLock implements SchedulerLock {
  private static final Logger LOG = Logger.getLogger(PgAdvisoryLock.class.getName());

  /** "RAPS" as a 32-bit key; advisory locks are scoped to the current database. */
  public static final long KEY = 0x52415053L;

  private final Vertx vertx;
  private final DatabaseTarget target;
  private PgConnection conn;
  private volatile boolean held;

  public PgAdvisoryLock(Vertx vertx, DatabaseTarget target) {
    this.vertx = vertx;
    this.target = target;
  }

  @Override
  public Future<Boolean> tryAcquire() {
    if (held) {
      return Future.succeededFuture(true);
    }
    Future<PgConnection> connection =
        conn != null
            ? Future.succeededFuture(conn)
            : PgConnection.connect(vertx, target.pgOptions())
                .map(
                    c -> {
                      conn = c;
                      c.closeHandler(
                          v -> {
                            if (held) {
                              LOG.warning("Lost the scheduler lock: its PostgreSQL session ended");
                            }
                            held = false;
                            if (conn == c) {
                              conn = null;
                            }
                          });
                      return c;
                    });
    return connection
        .compose(c -> c.query("SELECT pg_try_advisory_lock(" + KEY + ") AS got").execute())
        .map(
            rows -> {
              held = Boolean.TRUE.equals(rows.iterator().next().getBoolean("got"));
              return held;
            })
        .onFailure(
            e -> {
              // the database is not answering: start afresh on the next try
              held = false;
              PgConnection c = conn;
              conn = null;
              if (c != null) {
                c.close();
              }
            });
  }

  @Override
  public boolean isHeld() {
    return held;
  }

  /** The backend process id of the lock session, or -1 (tests use it to kill the session). */
  public int sessionPid() {
    return conn == null ? -1 : conn.processId();
  }

  @Override
  public Future<Void> release() {
    held = false;
    PgConnection c = conn;
    conn = null;
    return c == null ? Future.succeededFuture() : c.close();
  }

  @Override
  public String describe() {
    return "PostgreSQL advisory lock " + KEY + " on " + target.describe();
  }
}
