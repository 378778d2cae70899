package org.rap.controller.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.SslMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rap.common.config.CommonConfig;
import org.rap.common.config.Settings;

/** How DATABASE_URL becomes the options of each client (no server needed). */
class DatabaseTargetTest {
  @TempDir Path dir;

  @Test
  void everyParameterReachesTheJdbcUrlAndLibpq() throws Exception {
    Path ca = Files.writeString(dir.resolve("ca.pem"), "not read until a connection is made");
    DatabaseTarget t =
        DatabaseTarget.postgres(
            "postgresql://rap:p%40ss%3Aword@db.example.org:6543/rap_prod?sslmode=verify-full&sslrootcert="
                + ca
                + "&application_name=rap-controller");
    PgConnectOptions o = t.pgOptions();
    assertEquals("db.example.org", o.getHost());
    assertEquals(6543, o.getPort());
    assertEquals("rap_prod", o.getDatabase());
    assertEquals("rap", o.getUser());
    assertEquals("p@ss:word", o.getPassword());
    assertEquals(SslMode.VERIFY_FULL, o.getSslMode());
    assertEquals("HTTPS", o.getSslOptions().getHostnameVerificationAlgorithm());
    assertFalse(o.getSslOptions().isTrustAll());
    assertEquals("rap-controller", o.getProperties().get("application_name"));
    assertEquals(
        "jdbc:postgresql://db.example.org:6543/rap_prod?sslmode=verify-full&sslrootcert="
            + ca.toString().replace("/", "%2F")
            + "&application_name=rap-controller",
        t.jdbcUrl());
    assertEquals(
        "dbname='rap_prod' sslmode='verify-full' sslrootcert='"
            + ca
            + "' application_name='rap-controller'",
        t.libpqConnInfo());
    assertFalse(t.describe().contains("p@ss"), t.describe());
    assertEquals(
        "PostgreSQL database rap_prod on db.example.org:6543 (sslmode=verify-full)", t.describe());
  }

  @Test
  void libpqDefaultsFillWhatTheUrlLeavesOut() {
    DatabaseTarget t = DatabaseTarget.postgres("postgres://db.internal");
    PgConnectOptions o = t.pgOptions();
    assertEquals(System.getProperty("user.name"), o.getUser());
    assertEquals(o.getUser(), o.getDatabase());
    assertEquals("", o.getPassword());
    assertNull(t.password(), "no password: none is handed to JDBC or pg_dump");
    assertEquals(5432, o.getPort());
    assertEquals(SslMode.PREFER, o.getSslMode(), "libpq's default: TLS when offered");
    assertTrue(o.getSslOptions().isTrustAll(), "prefer does not verify, as in libpq");
    assertTrue(t.jdbcUrl().endsWith("?sslmode=prefer"), t.jdbcUrl());
    PgConnectOptions require =
        DatabaseTarget.postgres("postgresql://u:p@h/d?sslmode=require").pgOptions();
    assertEquals(SslMode.REQUIRE, require.getSslMode());
    assertTrue(require.getSslOptions().isTrustAll());
  }

  @Test
  void badUrlsAreRefusedWithTheReasonAndWithoutThePassword() {
    assertEquals(
        "DATABASE_URL must start with postgresql:// (or postgres://, or sqlite: for SQLite)",
        assertThrows(
                IllegalArgumentException.class,
                () -> DatabaseTarget.postgres("mysql://u:secret@h/d"))
            .getMessage());
    String port =
        assertThrows(
                IllegalArgumentException.class,
                () -> DatabaseTarget.postgres("postgresql://u:secret@h:99999/d"))
            .getMessage();
    assertTrue(port.contains("port"), port);
    assertFalse(port.contains("secret"), port);
    String clientCert =
        assertThrows(
                IllegalArgumentException.class,
                () -> DatabaseTarget.postgres("postgresql://u:p@h/d?sslcert=/c.pem&sslkey=/k.pem"))
            .getMessage();
    assertTrue(clientCert.contains("client certificates"), clientCert);
  }

  @Test
  void sqliteUrlParametersGoToTheJdbcUrlNotIntoTheFileName() {
    DatabaseTarget t =
        DatabaseTarget.of(
            CommonConfig.from(
                Settings.of(
                    Map.of(
                        "DATABASE_URL",
                        "sqlite:"
                            + dir.resolve("db.sqlite")
                            + "?busy_timeout=10000&cache_size=-2000"))));
    assertEquals(dir.resolve("db.sqlite"), t.sqliteFile());
    assertEquals(
        "jdbc:sqlite:"
            + dir.resolve("db.sqlite")
            + "?journal_mode=WAL&busy_timeout=10000&foreign_keys=on&synchronous=NORMAL"
            + "&transaction_mode=IMMEDIATE&cache_size=-2000",
        t.jdbcUrl());
    IllegalArgumentException fixed =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                DatabaseTarget.of(
                    CommonConfig.from(
                        Settings.of(
                            Map.of(
                                "DATABASE_URL",
                                "sqlite:" + dir.resolve("db.sqlite") + "?journal_mode=DELETE")))));
    assertEquals(
        "DATABASE_URL may not set journal_mode for SQLite: RAP relies on its own value",
        fixed.getMessage());
  }

  @Test
  void sqlitePathsBecomeJdbcUrlsWithTheirPragmas() {
    DatabaseTarget t = DatabaseTarget.sqlite(dir.resolve("db.sqlite"));
    assertTrue(t.jdbcUrl().startsWith("jdbc:sqlite:" + dir.resolve("db.sqlite") + "?"));
    assertTrue(t.jdbcUrl().contains("journal_mode=WAL"), t.jdbcUrl());
    assertNull(t.user());
    assertNull(t.host());
    assertEquals("SQLite database " + dir.resolve("db.sqlite"), t.describe());
  }
}
