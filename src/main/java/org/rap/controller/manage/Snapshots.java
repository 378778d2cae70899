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
import org.rap.controller.db.Database;

/**
 * Online database snapshot (operations.md section 4): SQLite {@code VACUUM INTO} a temporary file
 * in {@code BACKUPS_PATH}, renamed to {@code db.snapshot_<YYYY-MM-DD_HHMMSS>Z.sqlite}, then every
 * other snapshot deleted. The live database keeps serving meanwhile.
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
        + " "
        + t.database()
        + "\n"
        + "(or use your provider's managed backups), keeping one local copy plus external history.";
  }

  /** Writes the snapshot and returns its path. */
  public static Future<Path> snapshot(Vertx vertx, Database db, Path backupsPath, Instant now) {
    if (!db.isSqlite()) {
      return Future.failedFuture(new Refused(postgresAdvice(db)));
    }
    if (!Files.isDirectory(backupsPath)) {
      return Future.failedFuture(new Refused(missingBackupsPath(backupsPath)));
    }
    String name = "db.snapshot_" + STAMP.format(now) + "Z.sqlite";
    Path target = backupsPath.resolve(name).toAbsolutePath();
    Path tmp = backupsPath.resolve(name + ".tmp.sqlite").toAbsolutePath();
    return vertx
        .executeBlocking(() -> Files.deleteIfExists(tmp), false)
        .compose(v -> db.pool().query("VACUUM INTO '" + tmp.toString().replace("'", "''") + "'").execute())
        .compose(
            v ->
                vertx.executeBlocking(
                    () -> {
                      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                      deleteOthers(backupsPath, target);
                      return target;
                    },
                    false));
  }

  private static void deleteOthers(Path dir, Path keep) throws IOException {
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "db.snapshot_*.sqlite")) {
      for (Path p : s) {
        if (!p.toAbsolutePath().equals(keep)) {
          Files.deleteIfExists(p);
        }
      }
    }
  }
}
