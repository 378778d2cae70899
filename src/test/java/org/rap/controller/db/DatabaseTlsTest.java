package org.rap.controller.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vertx.core.Vertx;
import io.vertx.sqlclient.Row;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rap.controller.manage.Snapshots;
import org.rap.testing.TlsPostgres;

/**
 * DATABASE_URL's TLS parameters reach every client of the controller database: the pool
 * (vertx-pg-client), Flyway and the restore check (JDBC) and pg_dump (libpq). Against a private
 * PostgreSQL server that accepts TLS connections only, with a certificate signed by a test CA.
 */
@Tag("postgres")
class DatabaseTlsTest {
  private static TlsPostgres pg;
  private final Vertx vertx = Vertx.vertx();
  @TempDir Path backups;

  @BeforeAll
  static void startServer() throws Exception {
    assumeTrue(TlsPostgres.available(), "PostgreSQL 15 server binaries or openssl not installed");
    pg = TlsPostgres.start();
  }

  @AfterAll
  static void stopServer() throws Exception {
    if (pg != null) {
      pg.close();
    }
  }

  @AfterEach
  void closeVertx() {
    vertx.close().await();
  }

  /** ssl and version of this session as pg_stat_ssl sees it, through the controller's pool. */
  private Row sessionSsl(DatabaseTarget t) {
    Database db = Database.open(vertx, t);
    try {
      return db.pool()
          .query("SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
          .execute()
          .await()
          .iterator()
          .next();
    } finally {
      db.closeAsync().await();
    }
  }

  private String failure(DatabaseTarget t) {
    Database db = Database.open(vertx, t);
    try {
      Exception e =
          assertThrows(Exception.class, () -> db.pool().query("SELECT 1").execute().await());
      return String.valueOf(e.getMessage()) + " / " + e.getCause();
    } finally {
      db.closeAsync().await();
    }
  }

  @Test
  void verifyFullWithTheRightCaConnectsEveryClientOverTls() throws Exception {
    DatabaseTarget t =
        DatabaseTarget.postgres(pg.url("localhost", "sslmode=verify-full&sslrootcert=" + pg.ca));
    Row ssl = sessionSsl(t);
    assertTrue(ssl.getBoolean("ssl"), pg.serverLog());
    assertTrue(ssl.getString("version").startsWith("TLSv1."), ssl.getString("version"));

    // JDBC (Flyway, restore) with the same parameters: the schema is created over TLS
    assertTrue(Migrations.migrate(t).migrationsExecuted > 0);
    try (Connection c = DriverManager.getConnection(t.jdbcUrl(), t.user(), t.password());
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")) {
      assertTrue(rs.next() && rs.getBoolean(1));
    }
    Migrations.requireUpToDate(t);

    // pg_dump (libpq) too: pg_hba.conf rejects every connection without TLS
    Database db = Database.open(vertx, t);
    try {
      Path dump = Snapshots.snapshot(vertx, db, backups, Instant.now()).await();
      assertTrue(Files.size(dump) > 0);
    } finally {
      db.closeAsync().await();
    }
  }

  @Test
  void verifyFullWithAnotherCaFailsNamingTheCertificate() throws Exception {
    DatabaseTarget t =
        DatabaseTarget.postgres(
            pg.url("localhost", "sslmode=verify-full&sslrootcert=" + pg.otherCa));
    String message = failure(t);
    assertEquals("SSL handshake failed / null", message);
    IllegalStateException flyway =
        assertThrows(IllegalStateException.class, () -> Migrations.requireUpToDate(t));
    // what an operator sees first: the controller checks the schema (JDBC) before it starts
    assertTrue(
        flyway.getMessage().contains("sslmode=verify-full")
            && flyway.getMessage().contains("Cannot read the schema version")
            && flyway.getMessage().contains("PKIX path building failed"),
        flyway.getMessage());
    Database db = Database.open(vertx, t);
    try {
      Exception dump =
          assertThrows(
              Exception.class, () -> Snapshots.snapshot(vertx, db, backups, Instant.now()).await());
      assertTrue(dump.getMessage().contains("certificate verify failed"), dump.getMessage());
    } finally {
      db.closeAsync().await();
    }
  }

  @Test
  void verifyFullToANameTheCertificateDoesNotCarryFails() {
    // the certificate names localhost only
    DatabaseTarget t =
        DatabaseTarget.postgres(pg.url("127.0.0.1", "sslmode=verify-full&sslrootcert=" + pg.ca));
    // vertx-pg-client 5.0.10 drops the handshake's cause (InitiateSslHandler): the pool only
    // fails; the schema check at start-up names the reason
    assertEquals("SSL handshake failed / null", failure(t));
    IllegalStateException flyway =
        assertThrows(IllegalStateException.class, () -> Migrations.requireUpToDate(t));
    assertTrue(
        flyway.getMessage().contains("The hostname 127.0.0.1 could not be verified"),
        flyway.getMessage());
    // verify-ca checks the chain only, so the same address is accepted
    assertTrue(
        sessionSsl(
                DatabaseTarget.postgres(
                    pg.url("127.0.0.1", "sslmode=verify-ca&sslrootcert=" + pg.ca)))
            .getBoolean("ssl"));
  }

  @Test
  void requireEncryptsWithoutACaAndDisableIsRefusedByTheServer() {
    Row ssl = sessionSsl(DatabaseTarget.postgres(pg.url("localhost", "sslmode=require")));
    assertTrue(ssl.getBoolean("ssl"), "sslmode=require must use TLS");
    // without sslmode, libpq's default prefer: TLS when the server offers it
    assertTrue(sessionSsl(DatabaseTarget.postgres(pg.url("localhost", ""))).getBoolean("ssl"));
    String message = failure(DatabaseTarget.postgres(pg.url("localhost", "sslmode=disable")));
    assertTrue(message.contains("no encryption"), message);
  }

  @Test
  void badTlsParametersAreRefusedUpFrontWithTheReason() {
    IllegalArgumentException noCa =
        assertThrows(
            IllegalArgumentException.class,
            () -> DatabaseTarget.postgres(pg.url("localhost", "sslmode=verify-full")));
    assertEquals(
        "DATABASE_URL has sslmode=verify-full but no CA certificate to verify the server with:"
            + " add sslrootcert=/path/to/ca.pem",
        noCa.getMessage());
    IllegalArgumentException missing =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                DatabaseTarget.postgres(
                    pg.url("localhost", "sslmode=verify-ca&sslrootcert=/nonexistent/ca.pem")));
    assertTrue(missing.getMessage().contains("/nonexistent/ca.pem"), missing.getMessage());
    IllegalArgumentException mode =
        assertThrows(
            IllegalArgumentException.class,
            () -> DatabaseTarget.postgres(pg.url("localhost", "sslmode=sometimes")));
    assertTrue(mode.getMessage().contains("sometimes"), mode.getMessage());
    assertTrue(!mode.getMessage().contains(TlsPostgres.PASSWORD), mode.getMessage());
    for (String url : List.of(pg.url("localhost", "sslmode=require"))) {
      assertEquals(
          "dbname='postgres' sslmode='require'", DatabaseTarget.postgres(url).libpqConnInfo());
    }
  }
}
