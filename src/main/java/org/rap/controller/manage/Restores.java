package org.rap.controller.manage;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationInfoService;
import org.flywaydb.core.api.MigrationVersion;
import org.rap.controller.db.DatabaseTarget;
import org.rap.controller.db.Migrations;
import org.rap.controller.scheduler.PgAdvisoryLock;
import org.sqlite.SQLiteConfig;

/**
 * {@code rap restore FILE}: puts a backup made by {@code rap backup} back as the configured
 * database (docs/spec/operations.md section 4, "Restore"), refusing while a controller runs its
 * scheduler loop on it (unless forced) and refusing anything that is not a RAP database at a schema
 * version this RAP knows.
 *
 * <ul>
 *   <li>SQLite: a consistent copy of the snapshot ({@code VACUUM INTO}) next to the database is
 *       checked ({@code quick_check}, the RAP tables, Flyway history), migrated to the current
 *       schema, then renamed over the database in one atomic step after removing its stale {@code
 *       -wal}/{@code -shm} files. The database as it was is kept as {@code
 *       <db>.pre-restore_<UTC>Z.sqlite}. The scheduler lock file is held throughout, so no
 *       controller can start its loop meanwhile.
 *   <li>PostgreSQL: {@code pg_restore --clean --if-exists --single-transaction} of a custom-format
 *       dump (all or nothing), with the scheduler's advisory lock held, then {@code migrate} and
 *       {@code ANALYZE} (a dump carries no planner statistics).
 * </ul>
 *
 * Blocking (JDBC, files, child processes): for the command line, never an event loop.
 */
public final class Restores {
  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("yyyy-MM-dd_HHmmss").withZone(ZoneOffset.UTC);
  private static final byte[] SQLITE_MAGIC =
      "SQLite format 3\0".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] PGDUMP_MAGIC = "PGDMP".getBytes(StandardCharsets.US_ASCII);
  private static final List<String> RAP_TABLES =
      List.of("flyway_schema_history", "job", "tasks", "flags");
  private static final Pattern TOC_TABLE =
      Pattern.compile("^\\d+; \\d+ \\d+ TABLE public (\\S+) ", Pattern.MULTILINE);

  /**
   * Lock channels whose file this JVM already locks elsewhere (a controller in the same process):
   * closing them would drop that POSIX lock too, so they stay open.
   */
  private static final Set<FileChannel> RETAINED = ConcurrentHashMap.newKeySet();

  /** The backup file's format, from its first bytes. */
  enum Kind {
    SQLITE,
    PGDUMP,
    UNKNOWN
  }

  private Restores() {}

  /**
   * Restores {@code file} into the database {@code target} names.
   *
   * @param force restore even though a controller holds the scheduler lock
   * @return what was done, for the operator
   * @throws Snapshots.Refused when the file or the situation is not fit for a restore (nothing was
   *     changed)
   */
  public static String restore(DatabaseTarget target, Path file, boolean force, Instant now)
      throws Exception {
    if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
      throw new Snapshots.Refused("Backup file not found or not readable: " + file);
    }
    Kind kind = kindOf(file);
    return target.dialect() == DatabaseTarget.Dialect.SQLITE
        ? restoreSqlite(target, file, kind, force, now)
        : restorePostgres(target, file, kind, force);
  }

  static Kind kindOf(Path file) throws IOException {
    byte[] head = new byte[16];
    int n;
    try (InputStream in = Files.newInputStream(file)) {
      n = in.readNBytes(head, 0, head.length);
    }
    if (n == SQLITE_MAGIC.length && Arrays.equals(head, SQLITE_MAGIC)) {
      return Kind.SQLITE;
    }
    if (n >= PGDUMP_MAGIC.length
        && Arrays.equals(Arrays.copyOf(head, PGDUMP_MAGIC.length), PGDUMP_MAGIC)) {
      return Kind.PGDUMP;
    }
    return Kind.UNKNOWN;
  }

  // ---------------------------------------------------------------------------------------------
  // SQLite

  private static String restoreSqlite(
      DatabaseTarget target, Path file, Kind kind, boolean force, Instant now) throws Exception {
    Path db = target.sqliteFile().toAbsolutePath();
    if (kind == Kind.PGDUMP) {
      throw new Snapshots.Refused(
          file
              + " is a pg_dump archive of a PostgreSQL database, but the configured database is the"
              + " SQLite file "
              + db
              + ". Set DATABASE_URL to the PostgreSQL database to restore it there.");
    }
    if (kind != Kind.SQLITE) {
      throw new Snapshots.Refused(
          file
              + " is not a SQLite database (no SQLite header); expected a db.snapshot_*.sqlite file from `rap backup`.");
    }
    if (Files.exists(db) && Files.isSameFile(db, file)) {
      throw new Snapshots.Refused(file + " is the configured database itself; nothing to restore.");
    }
    Files.createDirectories(db.getParent());
    Path lockFile = db.resolveSibling(db.getFileName() + ".scheduler.lock");
    FileChannel channel =
        FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock lock = null;
    boolean retain = false;
    try {
      try {
        lock = channel.tryLock();
      } catch (OverlappingFileLockException e) {
        retain = true;
      }
      if (lock == null && !force) {
        throw new Snapshots.Refused(
            "A controller is running its scheduler loop on "
                + db
                + " ("
                + holderOf(lockFile)
                + " holds "
                + lockFile
                + ").\nStop every controller process before restoring (agents may keep running),"
                + " or pass --force to restore anyway.");
      }
      String stamp = STAMP.format(now) + "Z";
      Path tmp = db.resolveSibling("." + db.getFileName() + ".restore_" + stamp + ".tmp");
      try {
        deleteWithSidecars(tmp);
        copyConsistent(file, tmp);
        String schema = checkAndMigrate(file, tmp);
        Path kept = keepCurrent(db, stamp);
        swapIn(tmp, db);
        StringBuilder out = new StringBuilder();
        out.append("Restored ")
            .append(file)
            .append(" into the SQLite database ")
            .append(db)
            .append(".\n");
        out.append(schema).append("\n");
        if (kept != null) {
          out.append("The database as it was before is kept in ").append(kept).append(".\n");
        }
        if (lock == null) {
          out.append(
              "Forced while a controller held the scheduler lock: restart every controller process now.\n");
        }
        out.append(consequences());
        return out.toString();
      } finally {
        deleteWithSidecars(tmp);
      }
    } finally {
      if (lock != null) {
        lock.release();
      }
      if (retain) {
        RETAINED.add(channel);
      } else {
        channel.close();
      }
    }
  }

  private static String holderOf(Path lockFile) {
    try {
      String pid = Files.readString(lockFile).strip();
      return pid.isEmpty() ? "another process" : "process " + pid;
    } catch (IOException e) {
      return "another process";
    }
  }

  private static Connection sqlite(Path file, boolean readOnly) throws SQLException {
    SQLiteConfig cfg = new SQLiteConfig();
    cfg.setReadOnly(readOnly);
    cfg.setBusyTimeout(10_000);
    return DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath(), cfg.toProperties());
  }

  private static String quoted(Path p) {
    return "'" + p.toAbsolutePath().toString().replace("'", "''") + "'";
  }

  /** A consistent single-file copy (reads through the WAL of a database still in use). */
  private static void copyConsistent(Path file, Path tmp) throws Exception {
    try (Connection c = sqlite(file, true);
        Statement st = c.createStatement()) {
      st.execute("VACUUM INTO " + quoted(tmp));
    } catch (SQLException e) {
      throw new Snapshots.Refused(file + " is not a readable SQLite database: " + e.getMessage());
    }
  }

  /** Checks the copy is a sound RAP database this RAP knows, then migrates it; says what it did. */
  private static String checkAndMigrate(Path file, Path tmp) throws Exception {
    Set<String> tables = new TreeSet<>();
    try (Connection c = sqlite(tmp, false);
        Statement st = c.createStatement()) {
      try (ResultSet rs = st.executeQuery("PRAGMA quick_check")) {
        String result = rs.next() ? rs.getString(1) : "no result";
        if (!"ok".equals(result)) {
          throw new Snapshots.Refused(file + " is damaged (SQLite quick_check: " + result + ").");
        }
      }
      try (ResultSet rs = st.executeQuery("SELECT name FROM sqlite_master WHERE type = 'table'")) {
        while (rs.next()) {
          tables.add(rs.getString(1));
        }
      }
    } catch (SQLException e) {
      throw new Snapshots.Refused(file + " is not a readable SQLite database: " + e.getMessage());
    }
    requireRapTables(file, tables);
    DatabaseTarget copy = DatabaseTarget.sqlite(tmp);
    MigrationInfoService info = Migrations.info(copy);
    String from = checkVersions(file, info, appliedVersions(info));
    int pending = info.pending().length;
    if (pending > 0) {
      Migrations.migrate(copy);
    }
    // one self-contained file: no -wal beside it when it is renamed into place
    try (Connection c = sqlite(tmp, false);
        Statement st = c.createStatement()) {
      st.execute("PRAGMA journal_mode=DELETE");
    }
    String now = Migrations.info(copy).current().getVersion().getVersion();
    return pending > 0
        ? "The backup was at schema version " + from + "; migrated to " + now + "."
        : "Schema version " + now + " (current).";
  }

  private static List<String> appliedVersions(MigrationInfoService info) {
    List<String> out = new ArrayList<>();
    for (MigrationInfo m : info.applied()) {
      if (m.getVersion() != null) {
        out.add(m.getVersion().getVersion());
      }
    }
    return out;
  }

  private static void requireRapTables(Path file, Set<String> tables) throws Snapshots.Refused {
    List<String> missing = new ArrayList<>();
    for (String t : RAP_TABLES) {
      if (!tables.contains(t)) {
        missing.add(t);
      }
    }
    if (!missing.isEmpty()) {
      throw new Snapshots.Refused(
          file
              + " is not a RAP database backup: it has no "
              + String.join(", ", missing)
              + " table.");
    }
  }

  /**
   * Refuses a backup whose schema history has versions this RAP does not know (a newer RAP wrote
   * it) or none at all. {@code info} is Flyway's view of a database with this RAP's migrations.
   *
   * @return the backup's schema version
   */
  private static String checkVersions(
      Path file, MigrationInfoService info, List<String> backupVersions) throws Snapshots.Refused {
    Set<MigrationVersion> known = new TreeSet<>();
    for (MigrationInfo m : info.all()) {
      if (m.getVersion() != null && m.getState().isResolved()) {
        known.add(m.getVersion());
      }
    }
    MigrationVersion newestKnown =
        known.isEmpty() ? MigrationVersion.EMPTY : ((TreeSet<MigrationVersion>) known).last();
    if (backupVersions.isEmpty()) {
      throw new Snapshots.Refused(
          file + " is not a RAP database backup: its schema history is empty.");
    }
    MigrationVersion newest = MigrationVersion.EMPTY;
    for (String v : backupVersions) {
      MigrationVersion mv = MigrationVersion.fromVersion(v);
      if (!known.contains(mv)) {
        throw new Snapshots.Refused(
            file
                + " has schema version "
                + v
                + ", which this RAP does not know (it knows up to "
                + newestKnown.getVersion()
                + "): it was written by a newer RAP. Restore it with that version.");
      }
      if (mv.compareTo(newest) > 0) {
        newest = mv;
      }
    }
    return newest.getVersion();
  }

  private static Path keepCurrent(Path db, String stamp) {
    if (!Files.exists(db)) {
      return null;
    }
    Path kept = db.resolveSibling(db.getFileName() + ".pre-restore_" + stamp + ".sqlite");
    try (Connection c = sqlite(db, false);
        Statement st = c.createStatement()) {
      Files.deleteIfExists(kept);
      st.execute("VACUUM INTO " + quoted(kept));
      return kept;
    } catch (SQLException | IOException e) {
      // a damaged database is a reason to restore: go on without a copy
      return null;
    }
  }

  private static void swapIn(Path tmp, Path db) throws IOException {
    try (FileChannel c = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
      c.force(true);
    }
    // stale WAL frames of the old file must never be applied to the restored one
    for (String suffix : List.of("-wal", "-shm", "-journal")) {
      Files.deleteIfExists(db.resolveSibling(db.getFileName() + suffix));
    }
    Files.move(tmp, db, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    try (FileChannel dir = FileChannel.open(db.getParent(), StandardOpenOption.READ)) {
      dir.force(true);
    } catch (IOException e) {
      // not every file system syncs directories; the rename itself is atomic
    }
  }

  private static void deleteWithSidecars(Path file) throws IOException {
    for (String suffix : List.of("", "-wal", "-shm", "-journal")) {
      Files.deleteIfExists(file.resolveSibling(file.getFileName() + suffix));
    }
  }

  private static String consequences() {
    return "Start the controller again. Jobs created after the backup are gone, cancel requests"
        + " made since are lost, and tasks finished since are active again (agents report them"
        + " again).";
  }

  // ---------------------------------------------------------------------------------------------
  // PostgreSQL

  private static String restorePostgres(DatabaseTarget target, Path file, Kind kind, boolean force)
      throws Exception {
    if (kind == Kind.SQLITE) {
      throw new Snapshots.Refused(
          file
              + " is a SQLite snapshot, but DATABASE_URL is the "
              + target.describe()
              + ". Unset DATABASE_URL (or set sqlite:/path) to restore it as the SQLite database.");
    }
    if (kind != Kind.PGDUMP) {
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
    requireRapTables(file, tables);
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
    String from = checkVersions(file, info, versions);
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
      out.append(consequences());
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
