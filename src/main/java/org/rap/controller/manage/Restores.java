package org.rap.controller.manage;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationInfoService;
import org.flywaydb.core.api.MigrationVersion;
import org.rap.controller.db.DatabaseTarget;

/**
 * {@code rap restore FILE}: puts a backup made by {@code rap backup} back as the configured
 * database (docs/spec/operations.md section 4, "Restore"), refusing while a controller runs its
 * scheduler loop on it (unless forced) and refusing anything that is not a RAP database at a schema
 * version this RAP knows.
 *
 * <p>This class recognises the backup and holds the checks both databases share; {@link
 * SqliteRestore} and {@link PostgresRestore} do the restoring. Blocking (JDBC, files, child
 * processes): for the command line, never an event loop.
 */
public final class Restores {
  private static final byte[] SQLITE_MAGIC =
      "SQLite format 3\0".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] PGDUMP_MAGIC = "PGDMP".getBytes(StandardCharsets.US_ASCII);
  private static final List<String> RAP_TABLES =
      List.of("flyway_schema_history", "job", "tasks", "flags");

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
        ? SqliteRestore.restore(target, file, kind, force, now)
        : PostgresRestore.restore(target, file, kind, force);
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

  static List<String> appliedVersions(MigrationInfoService info) {
    List<String> out = new ArrayList<>();
    for (MigrationInfo m : info.applied()) {
      if (m.getVersion() != null) {
        out.add(m.getVersion().getVersion());
      }
    }
    return out;
  }

  static void requireRapTables(Path file, Set<String> tables) throws Snapshots.Refused {
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
  static String checkVersions(Path file, MigrationInfoService info, List<String> backupVersions)
      throws Snapshots.Refused {
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

  /** What a restore means for the jobs, for the operator. */
  static String consequences() {
    return "Start the controller again. Jobs created after the backup are gone, cancel requests"
        + " made since are lost, and tasks finished since are active again (agents report them"
        + " again).";
  }
}
