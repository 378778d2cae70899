package org.rap.controller.manage;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
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
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.flywaydb.core.api.MigrationInfoService;
import org.rap.controller.db.DatabaseTarget;
import org.rap.controller.db.Migrations;
import org.sqlite.SQLiteConfig;

/**
 * {@code rap restore} into SQLite ({@link Restores}): a consistent copy of the snapshot ({@code
 * VACUUM INTO}) next to the database is checked ({@code quick_check}, the RAP tables, Flyway
 * history), migrated to the current schema, then renamed over the database in one atomic step after
 * removing its stale {@code -wal}/{@code -shm} files. The database as it was is kept as {@code
 * <db>.pre-restore_<UTC>Z.sqlite}. The scheduler lock file is held throughout, so no controller can
 * start its loop meanwhile.
 */
final class SqliteRestore {
  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("yyyy-MM-dd_HHmmss").withZone(ZoneOffset.UTC);

  /**
   * Lock channels whose file this JVM already locks elsewhere (a controller in the same process):
   * closing them would drop that POSIX lock too, so they stay open.
   */
  private static final Set<FileChannel> RETAINED = ConcurrentHashMap.newKeySet();

  private SqliteRestore() {}

  static String restore(
      DatabaseTarget target, Path file, Restores.Kind kind, boolean force, Instant now)
      throws Exception {
    Path db = target.sqliteFile().toAbsolutePath();
    if (kind == Restores.Kind.PGDUMP) {
      throw new Snapshots.Refused(
          file
              + " is a pg_dump archive of a PostgreSQL database, but the configured database is the"
              + " SQLite file "
              + db
              + ". Set DATABASE_URL to the PostgreSQL database to restore it there.");
    }
    if (kind != Restores.Kind.SQLITE) {
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
        out.append(Restores.consequences());
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
    Restores.requireRapTables(file, tables);
    DatabaseTarget copy = DatabaseTarget.sqlite(tmp);
    MigrationInfoService info = Migrations.info(copy);
    String from = Restores.checkVersions(file, info, Restores.appliedVersions(info));
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
}
