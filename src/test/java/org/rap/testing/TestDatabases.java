package org.rap.testing;

import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Locale;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.rap.controller.db.Database;
import org.rap.controller.db.DatabaseTarget;
import org.rap.controller.db.Migrations;

/**
 * Real databases for tests: a fresh SQLite file in a temp directory, or a fresh PostgreSQL database
 * on the server named by {@code RAP_TEST_PG_URL} (default: the one {@code
 * scripts/ensure-services.sh} creates). Both are migrated before use.
 */
public final class TestDatabases {
  public static final String PG_URL =
      System.getenv()
          .getOrDefault("RAP_TEST_PG_URL", "postgresql://rap:rap@localhost:5432/rap_test");

  private static final int STALE_HOURS = 3;
  private static final AtomicBoolean SWEPT = new AtomicBoolean();

  /** PostgreSQL databases this JVM created: dropped when it exits, unless RAP_TEST_KEEP_DBS=1. */
  private static final Queue<String> CREATED = new ConcurrentLinkedQueue<>();

  private TestDatabases() {}

  /**
   * The dialects every repository test runs on: both, unless the run excludes the {@code postgres}
   * tag ({@code make test-fast}), which then leaves the PostgreSQL cases of these tests out too.
   */
  public static List<String> dialects() {
    return postgresExcluded() ? List.of("sqlite") : List.of("sqlite", "postgresql");
  }

  private static boolean postgresExcluded() {
    String excluded = System.getProperty("rap.test.excludedGroups", "");
    return List.of(excluded.split("[,\\s]+")).contains("postgres");
  }

  /** A migrated, empty database of the given dialect. */
  public static DatabaseTarget fresh(String dialect) throws Exception {
    DatabaseTarget t = unmigrated(dialect);
    Migrations.migrate(t);
    return t;
  }

  /** A new database of the given dialect without any schema (the SQLite file's folder exists). */
  public static DatabaseTarget unmigrated(String dialect) throws Exception {
    if (dialect.equals("sqlite")) {
      Path dir = Files.createTempDirectory("rap-db");
      return DatabaseTarget.sqlite(dir.resolve("db.sqlite"));
    }
    DatabaseTarget admin = DatabaseTarget.postgres(PG_URL);
    String name =
        "rap_t_"
            + UUID.randomUUID()
                .toString()
                .replace("-", "")
                .substring(0, 16)
                .toLowerCase(Locale.ROOT);
    Vertx vertx = Vertx.vertx();
    try {
      Pool pool = PgBuilder.pool().connectingTo(admin.pgOptions()).using(vertx).build();
      if (SWEPT.compareAndSet(false, true)) {
        dropStale(pool);
      }
      pool.query("CREATE DATABASE " + name).execute().await();
      dropAtExit(name);
      pool.close().await();
    } finally {
      vertx.close().await();
    }
    String url =
        "postgresql://"
            + admin.user()
            + ":"
            + admin.password()
            + "@"
            + admin.host()
            + ":"
            + admin.port()
            + "/"
            + name;
    return DatabaseTarget.postgres(url);
  }

  /**
   * Test databases are not dropped when a test ends (a failed test's data is worth a look), so the
   * first test of each JVM drops those created more than {@code STALE_HOURS} ago: far longer than
   * any test run, so concurrent runs keep theirs. Best effort.
   */
  private static void dropStale(Pool pool) {
    try {
      var rows =
          pool.query(
                  "SELECT datname FROM pg_database WHERE datname LIKE 'rap\\_t\\_%' AND"
                      + " (pg_stat_file('base/' || oid || '/PG_VERSION')).modification"
                      + " < now() - interval '"
                      + STALE_HOURS
                      + " hours'")
              .execute()
              .await();
      for (var r : rows) {
        pool.query("DROP DATABASE IF EXISTS " + r.getString(0) + " WITH (FORCE)").execute().await();
      }
    } catch (RuntimeException e) {
      System.err.println("[TestDatabases] could not drop stale test databases: " + e.getMessage());
    }
  }

  private static final AtomicBoolean HOOKED = new AtomicBoolean();

  /** A PostgreSQL database on the {@link #PG_URL} server that a test created, to drop at exit. */
  public static void dropAtExit(String name) {
    if ("1".equals(System.getenv("RAP_TEST_KEEP_DBS"))) {
      return;
    }
    CREATED.add(name);
    if (HOOKED.compareAndSet(false, true)) {
      DatabaseTarget admin = DatabaseTarget.postgres(PG_URL);
      Runtime.getRuntime()
          .addShutdownHook(new Thread(() -> dropCreated(admin), "drop-test-databases"));
    }
  }

  /**
   * At JVM exit: drops the databases this JVM created (a test run made hundreds, and with that many
   * the autovacuum launcher visits one every ~85 ms). RAP_TEST_KEEP_DBS=1 keeps them to look at
   * after a failure; the sweep above removes them hours later. Best effort, plain JDBC.
   */
  private static void dropCreated(DatabaseTarget admin) {
    try (Connection c =
            DriverManager.getConnection(admin.jdbcUrl(), admin.user(), admin.password());
        Statement st = c.createStatement()) {
      for (String name; (name = CREATED.poll()) != null; ) {
        st.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
      }
    } catch (SQLException | RuntimeException e) {
      System.err.println(
          "[TestDatabases] could not drop this run's test databases: " + e.getMessage());
    }
  }

  public static Database open(Vertx vertx, String dialect) throws Exception {
    return Database.open(vertx, fresh(dialect));
  }
}
