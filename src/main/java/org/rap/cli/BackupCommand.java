package org.rap.cli;

import io.vertx.core.Future;
import java.time.Instant;
import java.util.concurrent.Callable;
import org.rap.controller.manage.Snapshots;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code rap backup}: an online snapshot of the controller database into BACKUPS_PATH (SQLite:
 * {@code VACUUM INTO}; PostgreSQL: {@code pg_dump --format=custom}), keeping only the newest.
 */
@Command(
    name = "backup",
    aliases = "snapshot_database",
    mixinStandardHelpOptions = true,
    description = {
      "Snapshot the controller's database into BACKUPS_PATH while it runs (keeps only the newest).",
      "SQLite: VACUUM INTO a file named",
      "db.snapshot_<UTC>Z.sqlite",
      "PostgreSQL: pg_dump's custom format into",
      "db.snapshot_<UTC>Z.pgdump",
      "Restore with `rap restore FILE`."
    })
public final class BackupCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin ConfigOption config;

  @Override
  public Integer call() {
    return ControllerCommands.run(
        spec,
        config,
        null,
        false,
        (vertx, ctx, out) ->
            Snapshots.snapshot(vertx, ctx.db(), ctx.config().backupsPath(), Instant.now())
                .map(
                    path -> {
                      out.println("Snapshot written to " + path);
                      return 0;
                    })
                .recover(
                    e -> {
                      if (e instanceof Snapshots.Refused) {
                        spec.commandLine().getErr().println(e.getMessage());
                        return Future.succeededFuture(1);
                      }
                      return Future.failedFuture(e);
                    }));
  }
}
