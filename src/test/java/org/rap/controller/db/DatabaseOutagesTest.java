package org.rap.controller.db;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.pgclient.PgException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which real failures count as a database outage (503 and retry) and which do not. */
class DatabaseOutagesTest {
  private final Vertx vertx = Vertx.vertx();

  @TempDir Path tmp;

  @AfterEach
  void close() {
    vertx.close().await();
  }

  @Test
  void aPostgresqlServerThatRefusesConnectionsIsAnOutage() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort(); // closed again: nothing listens there
    }
    Database db =
        Database.open(vertx, DatabaseTarget.postgres("postgresql://u:p@127.0.0.1:" + port + "/x"));
    Throwable failure = assertThrows(Exception.class, () -> db.ping().await());
    assertTrue(DatabaseOutages.isOutage(failure), failure.toString());
    db.close();
  }

  @Test
  void postgresqlStatesOfShutdownsAreOutagesOthersAreNot() {
    assertTrue(DatabaseOutages.isOutage(pg("57P01"))); // terminating: administrator command
    assertTrue(DatabaseOutages.isOutage(pg("57P03"))); // the database system is starting up
    assertTrue(DatabaseOutages.isOutage(pg("08006"))); // connection failure
    assertTrue(DatabaseOutages.isOutage(new IllegalStateException("wrapped", pg("53300"))));
    assertFalse(DatabaseOutages.isOutage(pg("42601"))); // syntax error
    assertFalse(DatabaseOutages.isOutage(pg("23505"))); // unique violation
    assertFalse(DatabaseOutages.isOutage(new IllegalArgumentException("Unknown task t1")));
  }

  private static PgException pg(String state) {
    return new PgException("m", "FATAL", state, "d");
  }

  @Test
  void anSqliteDatabaseLockedByAnotherProcessIsAnOutageASyntaxErrorIsNot() throws Exception {
    String url = "jdbc:sqlite:" + tmp.resolve("db.sqlite") + "?journal_mode=WAL&busy_timeout=50";
    try (Connection holder = DriverManager.getConnection(url);
        Connection other = DriverManager.getConnection(url);
        Statement h = holder.createStatement();
        Statement o = other.createStatement()) {
      h.execute("CREATE TABLE t (x INTEGER)");
      h.execute("BEGIN EXCLUSIVE");
      SQLException busy =
          assertThrows(SQLException.class, () -> o.execute("INSERT INTO t VALUES (1)"));
      assertTrue(DatabaseOutages.isOutage(busy), busy.toString());
      h.execute("COMMIT");
      SQLException syntax = assertThrows(SQLException.class, () -> o.execute("SELEC 1"));
      assertFalse(DatabaseOutages.isOutage(syntax), syntax.toString());
    }
  }
}
