package org.rap.controller.db;

import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.sqlite.SQLiteException;

/**
 * Failures that mean the database is not serving right now (stopped, restarting, unreachable,
 * locked by another process), as opposed to a statement or a state it refuses. The APIs answer
 * these with 503 and {@code Retry-After} instead of an error, and the scheduler waits them out.
 */
public final class DatabaseOutages {
  private static final Logger LOG = Logger.getLogger(DatabaseOutages.class.getName());

  /**
   * PostgreSQL SQLSTATEs of an outage: admin shutdown, crash shutdown, cannot connect now (starting
   * up or shutting down), too many connections, and the classes 08 (connection exception), 53
   * (insufficient resources) and 58 (system error).
   */
  private static final Set<String> PG_STATES = Set.of("57P01", "57P02", "57P03", "53300");

  private static final Set<String> PG_CLASSES = Set.of("08", "53", "58");

  /**
   * SQLite primary result codes of an outage: busy (another process holds the write lock beyond the
   * busy timeout), locked, read-only (the file or the disk became read-only), I/O error, disk full,
   * cannot open.
   */
  private static final Set<Integer> SQLITE_CODES = Set.of(5, 6, 8, 10, 13, 14);

  private static final long REPORT_EVERY_NANOS = 30_000_000_000L;

  private final String what;
  private final String meanwhile;
  private long lastReport;
  private long unreported;

  /**
   * A reporter for outages met by {@code what} (e.g. "The RAP API"), which does {@code meanwhile}
   * (e.g. "answering 503 until it answers").
   */
  public DatabaseOutages(String what, String meanwhile) {
    this.what = what;
    this.meanwhile = meanwhile;
  }

  /** Whether {@code failure}, or one of its causes, is a database outage. */
  public static boolean isOutage(Throwable failure) {
    int depth = 0;
    for (Throwable t = failure; t != null && depth < 20; t = t.getCause(), depth++) {
      if (t instanceof ConnectException
          || t instanceof NoRouteToHostException
          || t instanceof UnknownHostException
          || t instanceof SocketException
          || t instanceof ClosedChannelException
          || t instanceof ClosedConnectionException) {
        return true;
      }
      if (t instanceof PgException pg && pg.getSqlState() != null) {
        String state = pg.getSqlState();
        if (PG_STATES.contains(state)
            || (state.length() == 5 && PG_CLASSES.contains(state.substring(0, 2)))) {
          return true;
        }
      }
      if (t instanceof SQLiteException lite
          && SQLITE_CODES.contains(lite.getResultCode().code & 0xff)) {
        return true;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return false;
  }

  /**
   * Logs an outage: the first failure at once, then one line every 30 s with the number of failures
   * since, never a stack trace (an outage fails every request and every retry).
   */
  public synchronized void report(Throwable failure) {
    long now = System.nanoTime();
    if (lastReport != 0 && now - lastReport < REPORT_EVERY_NANOS) {
      unreported++;
      return;
    }
    LOG.log(
        Level.WARNING,
        what
            + ": the database is not answering ("
            + failure
            + "); "
            + meanwhile
            + (unreported > 0 ? " (" + unreported + " more since the last report)" : ""));
    lastReport = now;
    unreported = 0;
  }
}
