package org.rap.controller.manage;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.flywaydb.core.api.MigrationInfoService;
import org.rap.controller.db.DatabaseTarget;
import org.rap.controller.db.Migrations;
import org.rap.controller.scheduler.PgAdvisoryLock;

/**
 * {@code rap restore} into PostgreSQL ({@link Restores}): {@code pg_restore --clean --if-exists
 * --single-transaction} of a custom-format dump (all or nothing), with the scheduler's advisory
 * lock held, then {@code migrate} and {@code ANALYZE} (a dump carries no planner statistics).
 */
final class PostgresRestore {
  private static final Pattern TOC_TABLE =
      Pattern.compile("^\\d+; \\d+ \\d+ TABLE public (\\S+) ", Pattern.MULTILINE);

  private PostgresRestore() {}

  static String restore(DatabaseTarget target, Path file, Restores.Kind kind, boolean force)
      throws Exception {
    if (kind == Restores.Kind.SQLITE) {
      throw new Snapshots.Refused(
          file
              + " is a SQLite snapshot, but DATABASE_URL is the "
              + target.describe()
              + ". Unset DATABASE_URL (or set sqlite:/path) to restore it as the SQLite database.");
    }
    if (kind != Restores.Kind.PGDUMP) {
      throw new Snapshots.Refused(
          file
              + " is not a pg_dump custom-format archive; expected a db.snapshot_*.pgdump file from"
              + " `rap backup` (or pg_dump --format=custom).");
    }
    Path pgRestore = PgTools.find("pg_restore");
    PgTools.Result toc =
        PgTools.run(null, List.of(pgRestore.toString(), "--list", file.toString()));
    if (!toc.ok()) {
      throw new Snapshots.Refused(file + " cannot be read by pg_restore: " + toc.stderr());
    }
    Set<String> tables = new LinkedHashSet<>();
    Matcher m = TOC_TABLE.matcher(toc.stdout());
    while (m.find()) {
      tables.add(m.group(1));
    }
    Restores.requireRapTables(file, tables);
    PgTools.Result history =
        PgTools.run(
            null,
            List.of(
                pgRestore.toString(),
                "--data-only",
                "--table=flyway_schema_history",
                "--file=-",
                file.toString()));
    if (!history.ok()) {
      throw new Snapshots.Refused(file + " cannot be read by pg_restore: " + history.stderr());
    }
    List<String> versions = historyVersions(history.stdout());
    MigrationInfoService info;
    try {
      info = Migrations.info(target);
    } catch (RuntimeException e) {
      throw new IllegalStateException(
          "Cannot open the "
              + target.describe()
              + ": "
              + e.getMessage()
              + ". Create the database first (createdb), it may be empty.",
          e);
    }
    String from = Restores.checkVersions(file, info, versions);
    try (Connection c =
            DriverManager.getConnection(target.jdbcUrl(), target.user(), target.password());
        Statement st = c.createStatement()) {
      boolean locked;
      try (ResultSet rs =
          st.executeQuery("SELECT pg_try_advisory_lock(" + PgAdvisoryLock.KEY + ")")) {
        locked = rs.next() && rs.getBoolean(1);
      }
      if (!locked && !force) {
        throw new Snapshots.Refused(
            "A controller is running its scheduler loop on the "
                + target.describe()
                + " (it holds advisory lock "
                + PgAdvisoryLock.KEY
                + ").\nStop every controller process before restoring (agents may keep running),"
                + " or pass --force to restore anyway.");
      }
      List<String> extra = new ArrayList<>();
      try (ResultSet rs =
          st.executeQuery(
              "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")) {
        while (rs.next()) {
          if (!tables.contains(rs.getString(1))) {
            extra.add(rs.getString(1));
          }
        }
      }
      if (!extra.isEmpty()) {
        throw new Snapshots.Refused(
            "The "
                + target.describe()
                + " has tables the backup does not ("
                + String.join(", ", extra)
                + "), probably from a later schema version. Restore into a fresh, empty database"
                + " (createdb, then point DATABASE_URL at it).");
      }
      List<String> cmd =
          new ArrayList<>(
              List.of(
                  pgRestore.toString(),
                  "--clean",
                  "--if-exists",
                  "--no-owner",
                  "--no-privileges",
                  "--single-transaction",
                  "--exit-on-error"));
      cmd.addAll(PgTools.connectionArgs(target));
      cmd.add(file.toString());
      PgTools.Result r = PgTools.run(target, cmd);
      if (!r.ok()) {
        throw new IllegalStateException(
            "pg_restore into the "
                + target.describe()
                + " failed (exit "
                + r.exitCode()
                + "); it ran in one transaction, so the database is unchanged:\n"
                + r.stderr());
      }
      int pending = Migrations.info(target).pending().length;
      if (pending > 0) {
        Migrations.migrate(target);
      }
      // pg_restore brings no planner statistics: until autovacuum's first analyze the planner
      // takes the restored tables for empty, and the scheduler's pass over running jobs and
      // their tasks becomes a nested loop over every task (seconds a pass at a few thousand jobs)
      st.execute("ANALYZE");
      String now = Migrations.info(target).current().getVersion().getVersion();
      StringBuilder out = new StringBuilder();
      out.append("Restored ")
          .append(file)
          .append(" into the ")
          .append(target.describe())
          .append(".\n");
      out.append(
          pending > 0
              ? "The backup was at schema version " + from + "; migrated to " + now + ".\n"
              : "Schema version " + now + " (current).\n");
      out.append("Planner statistics refreshed (ANALYZE).\n");
      if (!locked) {
        out.append(
            "Forced while a controller held the scheduler lock: restart every controller process now.\n");
      }
      out.append(Restores.consequences());
      return out.toString();
    }
  }

  /** Versions in the COPY block of {@code flyway_schema_history} (pg_restore's SQL output). */
  static List<String> historyVersions(String sql) {
    List<String> out = new ArrayList<>();
    String[] lines = sql.split("\n");
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i];
      if (!line.startsWith("COPY ") || !line.contains("flyway_schema_history")) {
        continue;
      }
      int open = line.indexOf('(');
      int close = line.indexOf(')');
      List<String> columns = new ArrayList<>();
      for (String c : line.substring(open + 1, close).split(",")) {
        columns.add(c.strip());
      }
      int version = columns.indexOf("version");
      int success = columns.indexOf("success");
      for (int j = i + 1; j < lines.length && !lines[j].equals("\\."); j++) {
        String[] f = lines[j].split("\t", -1);
        if (version < 0 || version >= f.length || f[version].equals("\\N")) {
          continue;
        }
        if (success >= 0 && success < f.length && f[success].equals("f")) {
          continue;
        }
        out.add(f[version]);
      }
    }
    return out;
  }
}
