package org.rap.controller.manage;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import org.rap.controller.db.Database;

/**
 * Online database snapshot (docs/spec/operations.md section 4): SQLite {@code VACUUM INTO} a
 * temporary file in {@code BACKUPS_PATH}, renamed to {@code
 * db.snapshot_<YYYY-MM-DD_HHMMSS>Z.sqlite}, then every other snapshot deleted. The live database
 * keeps serving meanwhile. On PostgreSQL the same policy with {@code pg_dump --format=custom} into
 * {@code db.snapshot_<YYYY-MM-DD_HHMMSS>Z.pgdump}.
 */
public final class Snapshots {
  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("yyyy-MM-dd_HHmmss").withZone(ZoneOffset.UTC);

  /** A refusal the operator must see verbatim. */
  public static final class Refused extends Exception {
    public Refused(String message) {
      super(message);
    }
  }

  private Snapshots() {}

  public static String missingBackupsPath(Path path) {
    return "BACKUPS_PATH does not exist: "
        + path
        + "\nRefusing to run on the assumption that backups are misconfigured.";
  }

  /** How to take a dump by hand (printed when the automatic one cannot run). */
  public static String postgresAdvice(Database db) {
    var t = db.target();
    return "The controller database is PostgreSQL ("
        + t.describe()
        + "); snapshots are only built in for SQLite.\n"
        + "Take an online backup with pg_dump instead, for example:\n"
        + "  pg_dump --format=custom --file=rap_$(date -u +%Y-%m-%d_%H%M%SZ).dump -h "
        + t.host()
        + " -p "
        + t.port()
        + " -U "
        + t.user()
        + " -d \""
        + t.libpqConnInfo()
        + "\"\n"
        + "(or use your provider's managed backups), keeping one local copy plus external history.";
  }

  /** Writes the snapshot and returns its path. */
  public static Future<Path> snapshot(Vertx vertx, Database db, Path backupsPath, Instant now) {
    if (!Files.isDirectory(backupsPath)) {
      return Future.failedFuture(new Refused(missingBackupsPath(backupsPath)));
    }
    if (!db.isSqlite()) {
      return vertx.executeBlocking(() -> pgDump(db, backupsPath, now), false);
    }
    String name = "db.snapshot_" + STAMP.format(now) + "Z.sqlite";
    Path target = backupsPath.resolve(name).toAbsolutePath();
    Path tmp = backupsPath.resolve(name + ".tmp.sqlite").toAbsolutePath();
    return vertx
        .executeBlocking(() -> Files.deleteIfExists(tmp), false)
        .compose(
            v ->
                db.pool()
                    .query("VACUUM INTO '" + tmp.toString().replace("'", "''") + "'")
                    .execute())
        .compose(
            v ->
                vertx.executeBlocking(
                    () -> {
                      Files.move(
                          tmp,
                          target,
                          StandardCopyOption.REPLACE_EXISTING,
                          StandardCopyOption.ATOMIC_MOVE);
                      deleteOthers(backupsPath, target);
                      return target;
                    },
                    false));
  }

  /**
   * {@code pg_dump --format=custom} of the configured database (an online, consistent dump) into a
   * temporary file, renamed when complete; older dumps are deleted. Blocking.
   */
  static Path pgDump(Database db, Path backupsPath, Instant now) throws Exception {
    Path pgDump;
    try {
      pgDump = PgTools.find("pg_dump");
    } catch (Refused e) {
      throw new Refused(e.getMessage() + "\n\n" + postgresAdvice(db));
    }
    String name = "db.snapshot_" + STAMP.format(now) + "Z.pgdump";
    Path target = backupsPath.resolve(name).toAbsolutePath();
    Path tmp = backupsPath.resolve(name + ".tmp").toAbsolutePath();
    Files.deleteIfExists(tmp);
    List<String> cmd = new ArrayList<>();
    cmd.add(pgDump.toString());
    cmd.add("--format=custom");
    cmd.add("--file=" + tmp);
    cmd.addAll(PgTools.connectionArgs(db.target()));
    PgTools.Result r = PgTools.run(db.target(), cmd);
    if (!r.ok()) {
      Files.deleteIfExists(tmp);
      throw new IllegalStateException(
          "pg_dump of the "
              + db.target().describe()
              + " failed (exit "
              + r.exitCode()
              + "): "
              + r.stderr());
    }
    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    deleteOthers(backupsPath, target, "db.snapshot_*.pgdump");
    return target;
  }

  private static void deleteOthers(Path dir, Path keep) throws IOException {
    deleteOthers(dir, keep, "db.snapshot_*.sqlite");
  }

  private static void deleteOthers(Path dir, Path keep, String glob) throws IOException {
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, glob)) {
      for (Path p : s) {
        if (!p.toAbsolutePath().equals(keep)) {
          Files.deleteIfExists(p);
        }
      }
    }
  }
}
