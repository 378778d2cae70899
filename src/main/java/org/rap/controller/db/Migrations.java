package org.rap.controller.db;

import java.io.IOException;
import java.nio.file.Files;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationInfoService;
import org.flywaydb.core.api.output.MigrateResult;

/** Versioned schema migrations (Flyway) for both dialects. Blocking: call off the event loop. */
public final class Migrations {
  private Migrations() {}

  private static Flyway flyway(DatabaseTarget target) {
    return Flyway.configure()
        .dataSource(target.jdbcUrl(), target.user(), target.password())
        .locations(
            "classpath:db/migration/common", "classpath:db/migration/" + dialectFolder(target))
        .load();
  }

  /**
   * Migrations whose SQL differs between the dialects (JSON functions) live in one folder per
   * dialect, with the same version in each; everything else is portable, in {@code common}.
   */
  private static String dialectFolder(DatabaseTarget target) {
    return target.dialect() == DatabaseTarget.Dialect.SQLITE ? "sqlite" : "postgresql";
  }

  /** Creates or upgrades the schema; idempotent. Returns the number of migrations applied. */
  public static MigrateResult migrate(DatabaseTarget target) throws Exception {
    createSqliteFolder(target);
    return flyway(target).migrate();
  }

  /** SQLite: the database file's folder, which the driver does not create. */
  private static void createSqliteFolder(DatabaseTarget target) throws IOException {
    if (target.dialect() == DatabaseTarget.Dialect.SQLITE) {
      Files.createDirectories(target.sqliteFile().toAbsolutePath().getParent());
    }
  }

  /** Upgrades the schema up to and including {@code version} only (tests of later migrations). */
  public static MigrateResult migrateTo(DatabaseTarget target, String version) throws Exception {
    createSqliteFolder(target);
    return Flyway.configure()
        .configuration(flyway(target).getConfiguration())
        .target(version)
        .load()
        .migrate();
  }

  /** Applied, pending and unknown ("future") migrations of a database (Flyway info). */
  public static MigrationInfoService info(DatabaseTarget target) {
    return flyway(target).info();
  }

  /**
   * Refuses a missing or out-of-date database, with a message that says to run {@code migrate}.
   *
   * @throws IllegalStateException describing what is wrong
   */
  public static void requireUpToDate(DatabaseTarget target) {
    if (target.dialect() == DatabaseTarget.Dialect.SQLITE && !Files.exists(target.sqliteFile())) {
      throw new IllegalStateException(
          "Database not found: "
              + target.sqliteFile()
              + ". Run `java -jar rap.jar migrate` to create it before starting the controller.");
    }
    MigrationInfo[] pending;
    MigrationInfo current;
    try {
      var info = flyway(target).info();
      pending = info.pending();
      current = info.current();
    } catch (RuntimeException e) {
      throw new IllegalStateException(
          "Cannot read the schema version of the "
              + target.describe()
              + ": "
              + e.getMessage()
              + ". Check DATABASE_URL, then run `java -jar rap.jar migrate`.",
          e);
    }
    if (current == null) {
      throw new IllegalStateException(
          "The "
              + target.describe()
              + " has no RAP schema. Run `java -jar rap.jar migrate` before starting the"
              + " controller.");
    }
    if (pending.length > 0) {
      throw new IllegalStateException(
          "The "
              + target.describe()
              + " is at schema version "
              + current.getVersion()
              + " and "
              + pending.length
              + " migration(s) are pending. Run `java -jar rap.jar migrate` before starting the"
              + " controller.");
    }
  }
}
